/**
 * Hijacked connections: attach, exec start, BuildKit's session and gRPC ask the engine to turn the HTTP
 * connection into a raw byte stream (`Connection: Upgrade`, `Upgrade: tcp`). Each goes on a fresh
 * connection of its own (never the keep-alive pool's), so the engine has read nothing else on it.
 *
 * Invariants:
 * - The headers are sent as given (Connection and Upgrade default to `Upgrade` / `tcp`), the body as-is;
 *   a non-empty body without a Content-Length gets one. Nothing else is added.
 * - On 101 the caller gets the socket paused, with the bytes that came with the answer in `head`: nothing
 *   is lost before the caller reads (`pipe` or `resume`).
 * - On any other status the caller gets the answer to read, and `close()` to end the connection; the
 *   engine answered, so this is not an error.
 * - Until it settles, `signal` aborts the call and `timeoutMs` bounds the wait for the answer's head.
 */
import type { Agent, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { EngineAddress } from './engine-address.js';
import { exchange, lowerCased } from './engine-request.js';

export type UpgradeAnswer =
  | {
      readonly upgraded: true;
      /** The 101 answer: status, headers and rawHeaders (the raw ones keep the engine's spelling). */
      readonly response: IncomingMessage;
      readonly socket: Socket;
      readonly head: Buffer;
    }
  | { readonly upgraded: false; readonly response: IncomingMessage; readonly close: () => void };

export interface UpgradeOptions {
  readonly body?: Buffer;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export function upgradeExchange(
  address: EngineAddress,
  method: string,
  path: string,
  given: OutgoingHttpHeaders,
  options: UpgradeOptions,
): Promise<UpgradeAnswer> {
  const headers = lowerCased(given);
  headers['connection'] ??= 'Upgrade';
  headers['upgrade'] ??= 'tcp';
  const body = options.body;
  if (body && body.length > 0) headers['content-length'] ??= body.length;
  // A one-off agent: a fresh connection, not returned to any pool.
  const agent: Agent | false = false;
  return exchange<UpgradeAnswer>(
    {
      address,
      agent,
      method,
      path,
      headers,
      payload: body,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    },
    {
      upgrade(response, socket, head, { finish }) {
        socket.pause();
        finish({ upgraded: true, response, socket, head });
      },
      response(response, { finish, cut }) {
        finish({ upgraded: false, response, close: cut });
      },
    },
  );
}
