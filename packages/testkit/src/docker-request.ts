/**
 * One Docker Engine API request over a unix socket, with the whole response buffered (tests deal in small
 * bodies): a thin wrapper over @stevedore/engine's client, one per socket, sending paths as written (no
 * version prefix: tests choose). The demultiplexer for the engine's stdout/stderr framing is the engine
 * package's, re-exported here.
 *
 * Invariants: a Buffer body is sent as-is (tar contexts, archives); any other defined body is sent as JSON.
 * Non-2xx statuses resolve, not reject: tests assert on refusals as often as on successes. A request that
 * gets no answer within `timeoutMs` (default 60 s), or cannot reach the engine, rejects with an
 * UnavailableError naming the engine and the call.
 */
import { EngineClient, type EngineResponse } from '@stevedore/engine';

export { demuxDockerStream } from '@stevedore/engine';
export type { EngineResponse } from '@stevedore/engine';

export interface EngineRequestOptions {
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

// Idle keep-alive connections do not hold the process open (Node unrefs them), so clients are kept.
const clients = new Map<string, EngineClient>();

function clientFor(socketPath: string): EngineClient {
  let client = clients.get(socketPath);
  if (!client) {
    client = new EngineClient(`unix://${socketPath}`);
    clients.set(socketPath, client);
  }
  return client;
}

export function engineRequest(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  options: EngineRequestOptions = {},
): Promise<EngineResponse> {
  return clientFor(socketPath).call(method, path, {
    body,
    versioned: false,
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(options.headers ? { headers: options.headers } : {}),
  });
}
