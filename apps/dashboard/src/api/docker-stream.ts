/**
 * Pure decoders for the Engine API's streamed answers, kept apart from React so they are tested under Node
 * (test/docker-stream.test.ts). Both take chunks as they arrive, cut anywhere, and keep what is incomplete.
 *
 * Logs without a TTY are multiplexed: each frame is an 8-byte header (byte 0 the stream: 0 stdin,
 * 1 stdout, 2 stderr; bytes 4-7 the payload length, big-endian) and the payload. With a TTY the bytes are
 * the raw output. Which one a stream is shows in its first byte: a header starts with 0, 1 or 2 followed
 * by three zero bytes, which text output does not.
 */
export type LogStream = 'stdout' | 'stderr';
export interface LogLine {
  readonly stream: LogStream;
  readonly text: string;
}

const STREAMS: Readonly<Record<number, LogStream>> = { 0: 'stdout', 1: 'stdout', 2: 'stderr' };

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Splits text into complete lines; the tail without a newline waits for the next chunk (or `end`). */
export function createLineSplitter() {
  let rest = '';
  return {
    push(text: string): string[] {
      const parts = (rest + text).split('\n');
      rest = parts.pop() ?? '';
      return parts.map((l) => l.replace(/\r$/, ''));
    },
    end(): string[] {
      const last = rest.replace(/\r$/, '');
      rest = '';
      return last ? [last] : [];
    },
  };
}

function looksFramed(bytes: Uint8Array): boolean {
  return bytes[0]! <= 2 && bytes[1] === 0 && bytes[2] === 0 && bytes[3] === 0;
}

/** Decodes a log stream, framed or raw, into lines tagged with their stream. */
export function createLogDecoder() {
  let pending: Uint8Array = new Uint8Array(0);
  let framed: boolean | undefined;
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const splitters = { stdout: createLineSplitter(), stderr: createLineSplitter() };
  const lines = (stream: LogStream, payload: Uint8Array, out: LogLine[]) => {
    const text = decoders[stream].decode(payload, { stream: true });
    for (const line of splitters[stream].push(text)) out.push({ stream, text: line });
  };

  return {
    push(chunk: Uint8Array): LogLine[] {
      const out: LogLine[] = [];
      pending = concat(pending, chunk);
      if (framed === undefined) {
        if (pending.length < 4) return out;
        framed = looksFramed(pending);
      }
      if (!framed) {
        lines('stdout', pending, out);
        pending = new Uint8Array(0);
        return out;
      }
      let at = 0;
      while (pending.length - at >= 8) {
        const view = new DataView(pending.buffer, pending.byteOffset + at, 8);
        const size = view.getUint32(4);
        if (pending.length - at - 8 < size) break;
        lines(STREAMS[pending[at]!] ?? 'stdout', pending.subarray(at + 8, at + 8 + size), out);
        at += 8 + size;
      }
      pending = pending.slice(at);
      return out;
    },
    /** The last lines without a trailing newline. */
    end(): LogLine[] {
      const out: LogLine[] = [];
      if (framed === false || (framed === undefined && pending.length > 0)) lines('stdout', pending, out);
      pending = new Uint8Array(0);
      for (const stream of ['stdout', 'stderr'] as const) {
        for (const text of splitters[stream].push(decoders[stream].decode())) out.push({ stream, text });
        for (const text of splitters[stream].end()) out.push({ stream, text });
      }
      return out;
    },
  };
}

/** Decodes `GET /events`: one JSON object per line; a line that is not JSON is skipped. */
export function createEventDecoder<T = unknown>() {
  const decoder = new TextDecoder();
  const splitter = createLineSplitter();
  return {
    push(chunk: Uint8Array): T[] {
      const out: T[] = [];
      for (const line of splitter.push(decoder.decode(chunk, { stream: true }))) {
        if (!line.trim()) continue;
        try {
          out.push(JSON.parse(line) as T);
        } catch {
          // a line cut by a broken connection; the next reconnect refetches everything anyway
        }
      }
      return out;
    },
  };
}
