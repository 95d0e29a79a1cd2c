/**
 * One HTTP exchange with an engine, under the client's rules (engine-client.ts uses it for every call):
 * the connection (unix socket, TCP, TLS) from the address, the body encoded (a Buffer as-is, a Readable
 * streamed, anything else as JSON), and a call that settles once: with what the handler makes of the
 * answer, or with an error that names the engine and the call (engine-errors.ts).
 *
 * `timeoutMs` bounds the time until the handler finishes (a buffered call: the whole answer; a stream: its
 * head). `signal` aborts the call before it settles; after that, for a stream, it still cuts the
 * connection, until the exchange is over.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { EngineAddress } from './engine-address.js';
import { asEngineError, engineTimedOut, type EngineCall } from './engine-errors.js';

export type EngineQuery = Readonly<Record<string, string | number | boolean | object | undefined>>;

export function createAgent(address: EngineAddress, maxSockets: number): HttpAgent {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: Math.min(16, maxSockets) };
  return address.kind === 'tcp' && address.tls ? new HttpsAgent(options) : new HttpAgent(options);
}

/** Appends the query; objects and arrays (filters, build args) go as JSON, as the Engine API wants them. */
export function withQuery(path: string, query: EngineQuery | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined)
      params.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

/** Starts a request; errors are the socket's own (callers translate them). */
export function startRequest(
  address: EngineAddress,
  agent: HttpAgent | false,
  method: string,
  path: string,
  headers: OutgoingHttpHeaders,
  onResponse?: (res: IncomingMessage) => void,
): ClientRequest {
  const base: RequestOptions = { agent, method, path, headers };
  if (address.kind === 'unix') return httpRequest({ ...base, socketPath: address.socketPath }, onResponse);
  const at = { ...base, host: address.host, port: address.port };
  if (!address.tls) return httpRequest(at, onResponse);
  const { ca, cert, key, verify, servername } = address.tls;
  return httpsRequest(
    {
      ...at,
      rejectUnauthorized: verify !== false,
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(servername !== undefined ? { servername } : {}),
    },
    onResponse,
  );
}

function isReadable(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.pipe === 'function';
}

/** Header names lower-cased, so the caller's own Content-Type wins over the default. */
export function lowerCased(headers: OutgoingHttpHeaders | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

export function encodeBody(
  body: unknown,
  given: OutgoingHttpHeaders | undefined,
): { headers: OutgoingHttpHeaders; payload: Buffer | Readable | undefined } {
  const headers = lowerCased(given);
  if (body === undefined) return { headers, payload: undefined };
  if (isReadable(body)) return { headers, payload: body };
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  headers['content-type'] ??= Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json';
  headers['content-length'] = payload.length;
  return { headers, payload };
}

export interface Exchange {
  readonly address: EngineAddress;
  readonly agent: HttpAgent | false;
  readonly method: string;
  /** The full path as sent: version prefix and query included. */
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  readonly payload: Buffer | Readable | undefined;
  /** No bound when undefined, 0 or Infinity. */
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
}

export interface Settle<T> {
  readonly finish: (value: T) => void;
  readonly fail: (err: Error) => void;
  /** Ends the exchange's connection (after it settled: the caller is done with the answer). */
  readonly cut: () => void;
}

export interface Handlers<T> {
  readonly response: (res: IncomingMessage, settle: Settle<T>) => void;
  readonly upgrade?: (res: IncomingMessage, socket: Socket, head: Buffer, settle: Settle<T>) => void;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('the call to the Docker Engine was aborted', 'AbortError');
}

export function exchange<T>(x: Exchange, handlers: Handlers<T>): Promise<T> {
  const call: EngineCall = { engine: x.address.label, method: x.method, path: x.path };
  return new Promise<T>((resolve, reject) => {
    if (x.signal?.aborted) return reject(abortReason(x.signal));
    const req = startRequest(x.address, x.agent, x.method, x.path, x.headers);
    let settled = false;
    // No bound: undefined, 0 (or less) or Infinity.
    const ms = x.timeoutMs !== undefined && x.timeoutMs > 0 && Number.isFinite(x.timeoutMs) ? x.timeoutMs : 0;
    const timer = ms > 0 ? setTimeout(() => fail(engineTimedOut(call, ms)), ms) : undefined;
    timer?.unref();
    const finish = (value: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    function fail(err: Error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
      req.destroy();
    }
    const onAbort = () => (settled ? req.destroy(abortReason(x.signal!)) : fail(abortReason(x.signal!)));
    x.signal?.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => x.signal?.removeEventListener('abort', onAbort));
    req.on('error', (err) => fail(asEngineError(call, err)));
    const settle = { finish, fail: (err: Error) => fail(asEngineError(call, err)), cut: () => req.destroy() };
    req.on('response', (res) => handlers.response(res, settle));
    const { upgrade } = handlers;
    if (upgrade)
      req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) =>
        upgrade(res, socket, head, settle),
      );
    if (x.payload === undefined || Buffer.isBuffer(x.payload)) req.end(x.payload);
    else {
      x.payload.once('error', (err) => fail(err));
      x.payload.pipe(req);
    }
  });
}
