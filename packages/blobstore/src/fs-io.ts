/**
 * File I/O helpers of the filesystem driver: writing a stream at an offset with batched, pipelined writes
 * (the next batch is received while the previous one is written, and at most two batches are held per
 * upload, so memory stays flat), directory fsync, and tolerant directory listing.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { InvalidArgumentError } from '@stevedore/errors';
import type { AppendOptions } from './contract.js';

// Writes are gathered into batches of this many bytes: fewer syscalls, and memory per upload stays bounded.
const WRITE_BATCH = 256 * 1024;

export function isNoEnt(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

async function writeAll(fh: FileHandle, buffers: Buffer[], position: number, length: number): Promise<void> {
  let written = 0;
  while (written < length) {
    const pending = written === 0 ? buffers : [Buffer.concat(buffers).subarray(written)];
    written += (await fh.writev(pending, position + written)).bytesWritten;
  }
}

/**
 * Writes `source` into `fh` from `offset` and returns the end position. Does not sync; the caller does.
 * On failure, waits for any write in flight before rethrowing, so the caller can cut the file back.
 */
export async function writeStreamAt(
  fh: FileHandle,
  source: AsyncIterable<Buffer>,
  offset: number,
  options: AppendOptions,
  what: string,
): Promise<number> {
  let position = offset;
  let batch: Buffer[] = [];
  let batched = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    await inFlight;
    inFlight = writeAll(fh, batch, position, batched);
    position += batched;
    batch = [];
    batched = 0;
  };
  try {
    for await (const chunk of source) {
      if (options.maxSize !== undefined && position + batched + chunk.length > options.maxSize) {
        throw new InvalidArgumentError(`${what} would exceed ${options.maxSize} bytes`);
      }
      options.onChunk?.(chunk);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH) await flush();
    }
    await flush();
    await inFlight;
    return position;
  } catch (err) {
    await inFlight.catch(() => undefined);
    throw err;
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
