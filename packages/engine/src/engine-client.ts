/**
 * A Docker Engine API client: one instance per engine, with its own keep-alive agent (so many engines can
 * be talked to at once), for buffered JSON calls, streamed answers and bodies, and hijacked connections.
 *
 * Invariants:
 * - Paths are pinned to the client's API version (`/v1.41` by default: what Debian 12's engine serves, so
 *   answers have one known shape); `versioned: false` sends a path as it is (the proxy forwards callers'
 *   paths). A path that already carries a version and would get a second one is refused.
 * - Buffered calls resolve whatever the status (callers inspect refusals); the typed helpers (`json`,
 *   `inspect`, `info`, …) throw the error class of the status with the engine's own message.
 * - Buffered calls time out after 30 s unless told otherwise; streams and upgrades only when told. Every
 *   failure names the engine's address and the call (engine-errors.ts).
 * - `close()` destroys the agent: pooled connections close, calls in flight fail.
 */
import type { Agent, ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { InvalidArgumentError } from '@stevedore/errors';
import { parseDockerHost, type EngineAddress } from './engine-address.js';
import { asEngineError, engineNotJson, engineRefused, type EngineCall } from './engine-errors.js';
import { createAgent, encodeBody, exchange, startRequest, withQuery } from './engine-request.js';
import type {
  CallOptions,
  EngineClientOptions,
  EngineInfo,
  SwarmInspect,
  EngineResponse,
  EngineVersion,
  PathOptions,
} from './engine-types.js';
import { upgradeExchange, type UpgradeAnswer, type UpgradeOptions } from './engine-upgrade.js';

export const ENGINE_API_VERSION = '1.41';
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

const VERSIONED = /^\/v\d+\.\d+(\/|$)/;

export class EngineClient {
  readonly address: EngineAddress;
  readonly apiVersion: string;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(
    readonly dockerHost: string,
    options: EngineClientOptions = {},
  ) {
    this.address = parseDockerHost(dockerHost, options.tls);
    this.apiVersion = options.apiVersion ?? ENGINE_API_VERSION;
    if (!/^\d+\.\d+$/.test(this.apiVersion))
      throw new InvalidArgumentError(
        `API version ${JSON.stringify(this.apiVersion)} is not MAJOR.MINOR, e.g. 1.41`,
      );
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.agent = createAgent(this.address, options.maxSockets ?? 64);
  }

  /** The path as sent: version prefix (unless `versioned: false`) and query. */
  pathOf(path: string, options: PathOptions = {}): string {
    if (!path.startsWith('/'))
      throw new InvalidArgumentError(`Engine API path ${JSON.stringify(path)} must start with /`);
    const versioned = options.versioned !== false;
    if (versioned && VERSIONED.test(path))
      throw new InvalidArgumentError(
        `${path} carries an API version already; pass it without one, or with versioned: false`,
      );
    return withQuery(versioned ? `/v${this.apiVersion}${path}` : path, options.query);
  }

  /** One call with the whole answer buffered; resolves whatever the status. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<EngineResponse> {
    return await exchange<EngineResponse>(this.exchangeOf(method, path, options, this.timeoutMs), {
      response(res, { finish, fail }) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => finish(answerOf(res, Buffer.concat(chunks))));
        res.on('close', () => {
          if (!res.complete) fail(new Error('the connection closed before the answer was complete'));
        });
      },
    });
  }

  /** A call answering JSON (undefined for an empty body); a status ≥ 400 throws its error class. */
  async json<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    return this.parsed<T>(await this.call(method, path, options), this.callOf(method, path, options));
  }

  /** GET returning parsed JSON, or undefined on 404; other error statuses throw. */
  async inspect<T>(path: string, options: CallOptions = {}): Promise<T | undefined> {
    const answer = await this.call('GET', path, options);
    return answer.status === 404 ? undefined : this.parsed<T>(answer, this.callOf('GET', path, options));
  }

  /** The answer as a stream, not buffered (logs, events, progress); resolves whatever the status. */
  async stream(method: string, path: string, options: CallOptions = {}): Promise<IncomingMessage> {
    return await exchange<IncomingMessage>(this.exchangeOf(method, path, options, undefined), {
      response: (res, { finish }) => finish(res),
    });
  }

  /**
   * Starts a request whose body the caller writes or pipes (the proxy forwarding a caller's), on the
   * keep-alive agent. No timeout; errors are the socket's own: `unavailable()` says what they mean.
   */
  open(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    onResponse?: (res: IncomingMessage) => void,
    options: PathOptions = {},
  ): ClientRequest {
    return startRequest(this.address, this.agent, method, this.pathOf(path, options), headers, onResponse);
  }

  /** A hijacked connection on a fresh socket (engine-upgrade.ts). */
  async upgrade(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    options: UpgradeOptions & PathOptions = {},
  ): Promise<UpgradeAnswer> {
    return await upgradeExchange(this.address, method, this.pathOf(path, options), headers, options);
  }

  /** A socket error of `open()`'s request, as the failure to reach this engine for that call. */
  unavailable(err: Error, method: string, path: string): Error {
    return asEngineError({ engine: this.address.label, method, path }, err);
  }

  /** True when the engine answers `/_ping` within 5 s; never throws. */
  async ping(): Promise<boolean> {
    try {
      return (await this.call('GET', '/_ping', { timeoutMs: 5_000 })).status === 200;
    } catch {
      return false;
    }
  }

  info(): Promise<EngineInfo> {
    return this.json<EngineInfo>('GET', '/info');
  }

  version(): Promise<EngineVersion> {
    return this.json<EngineVersion>('GET', '/version');
  }

  /** Initialises Swarm mode on this engine; answers the new node's id. */
  swarmInit(options: { advertiseAddr: string; listenAddr?: string }): Promise<string> {
    return this.json<string>('POST', '/swarm/init', {
      body: { ListenAddr: options.listenAddr ?? '0.0.0.0:2377', AdvertiseAddr: options.advertiseAddr },
      timeoutMs: 60_000,
    });
  }

  /** The swarm as its manager sees it (join tokens included); only a manager answers. */
  swarm(): Promise<SwarmInspect> {
    return this.json<SwarmInspect>('GET', '/swarm');
  }

  /** Joins this engine to a swarm through one of its managers (`host:port`). */
  async swarmJoin(options: {
    remoteAddrs: readonly string[];
    joinToken: string;
    advertiseAddr?: string;
    listenAddr?: string;
  }): Promise<void> {
    await this.json<void>('POST', '/swarm/join', {
      body: {
        ListenAddr: options.listenAddr ?? '0.0.0.0:2377',
        ...(options.advertiseAddr ? { AdvertiseAddr: options.advertiseAddr } : {}),
        RemoteAddrs: options.remoteAddrs,
        JoinToken: options.joinToken,
      },
      timeoutMs: 60_000,
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private parsed<T>(answer: EngineResponse, call: EngineCall): T {
    if (answer.status >= 400) throw engineRefused(call, answer.status, answer.body);
    if (answer.body.length === 0) return undefined as T;
    try {
      return answer.json<T>();
    } catch {
      throw engineNotJson(call, answer.status);
    }
  }

  private callOf(method: string, path: string, options: PathOptions): EngineCall {
    return { engine: this.address.label, method, path: this.pathOf(path, options) };
  }

  private exchangeOf(method: string, path: string, options: CallOptions, timeoutMs: number | undefined) {
    const { headers, payload } = encodeBody(options.body, options.headers);
    return {
      address: this.address,
      agent: this.agent,
      method,
      path: this.pathOf(path, options),
      headers,
      payload,
      timeoutMs: options.timeoutMs ?? timeoutMs,
      signal: options.signal,
    };
  }
}

function answerOf(res: IncomingMessage, body: Buffer): EngineResponse {
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    body,
    json<T>(): T {
      return JSON.parse(body.toString('utf8')) as T;
    },
  };
}
