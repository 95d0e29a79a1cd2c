/**
 * Piping an engine answer to the caller in batches, not in the pieces its HTTP framing cut. A followed
 * log comes as one chunked-encoding chunk per line (~100 bytes), flushed line by line: piped as it is,
 * each line became its own write, its own HTTP chunk to the caller and its own TLS record, microseconds
 * of the proxy's CPU per line taken from the engine that shares the cores. Here what arrives is gathered
 * and written once it holds BATCH bytes, or WINDOW_MS after its first byte, or when the answer ends:
 * bytes and their order unchanged, a live stream held back at most WINDOW_MS, and an answer that arrives
 * whole (most do) written at its end without waiting.
 *
 * Backpressure as in `pipe`: when the caller's side is full the answer is paused until it drains.
 */
import type { Readable, Writable } from 'node:stream';

/** A batch is written out once it holds this much. */
const BATCH = 64 * 1024;
/** …or this long after its first byte arrived. */
const WINDOW_MS = 2;

export function pipeCoalesced(source: Readable, target: Writable): void {
  let pending: Buffer[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  let waiting = false;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0 || target.destroyed) return;
    const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
    pending = [];
    size = 0;
    if (!target.write(chunk) && !waiting) {
      waiting = true;
      source.pause();
      target.once('drain', () => {
        waiting = false;
        source.resume();
      });
    }
  };
  source.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    size += chunk.length;
    if (size >= BATCH) flush();
    else timer ??= setTimeout(flush, WINDOW_MS);
  });
  source.once('end', () => {
    flush();
    target.end();
  });
  source.once('close', () => clearTimeout(timer));
}
