/**
 * One Docker Engine API request over a unix socket, with the whole response buffered (tests deal in small
 * bodies), and the demultiplexer for the Engine's stdout/stderr stream framing (logs, attach).
 *
 * Invariants: a Buffer body is sent as-is (tar contexts, archives); any other defined body is sent as JSON.
 * Non-2xx statuses resolve, not reject: tests assert on refusals as often as on successes.
 */
import { request as httpRequest } from 'node:http';
import { UnavailableError } from '@stevedore/errors';

export interface EngineResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** The body parsed as JSON; throws when it is not JSON. */
  json<T>(): T;
}

export interface EngineRequestOptions {
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export function engineRequest(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  options: EngineRequestOptions = {},
): Promise<EngineResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: Buffer | undefined;
  if (Buffer.isBuffer(body)) {
    payload = body;
    headers['content-type'] ??= 'application/octet-stream';
  } else if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body));
    headers['content-type'] ??= 'application/json';
  }
  if (payload) headers['content-length'] = String(payload.length);
  const timeoutMs = options.timeoutMs ?? 60_000;

  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, method, path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: buf,
          json<T>(): T {
            return JSON.parse(buf.toString('utf8')) as T;
          },
        });
      });
    });
    req.on('timeout', () => {
      req.destroy(
        new UnavailableError(
          `Docker Engine request ${method} ${path} got no answer within ${timeoutMs} ms; is the engine at ${socketPath} still running?`,
          { detail: { method, path } },
        ),
      );
    });
    req.on('error', (err) =>
      reject(
        err instanceof UnavailableError
          ? err
          : new UnavailableError(
              `Docker Engine request ${method} ${path} failed on ${socketPath}: ${err.message}`,
              {
                cause: err,
                detail: { method, path },
              },
            ),
      ),
    );
    req.end(payload);
  });
}

/**
 * Splits the Engine's multiplexed stream (non-TTY logs/attach): frames of an 8-byte header
 * [stream, 0, 0, 0, size(uint32 BE)] followed by `size` bytes; stream 1 is stdout, 2 is stderr.
 */
export function demuxDockerStream(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const stream = buf[offset];
    const size = buf.readUInt32BE(offset + 4);
    const frame = buf.subarray(offset + 8, offset + 8 + size);
    (stream === 2 ? err : out).push(frame);
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
