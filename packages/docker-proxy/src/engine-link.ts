/**
 * The proxy's connection to the engine: an EngineClient (@stevedore/engine: one keep-alive agent over the
 * engine's unix socket, or TCP), used both for the proxy's own lookups (inspects and lists, buffered: they
 * are small) and for forwarding callers' requests (streamed: logs, events, builds and pulls flow through
 * without being held; their paths go as the caller wrote them).
 *
 * Every failure of the engine becomes an EngineFailure (engine-failure.ts): what it says is for the audit
 * log, not for the caller.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Writable } from 'node:stream';
import { EngineClient } from '@stevedore/engine';
import { isUnavailable } from '@stevedore/errors';
import type { EngineAnswer, EngineLookups } from './engine-api.js';
import { EngineFailure } from './engine-failure.js';

/** Where a planned call goes, in a cluster (cluster-link.ts); one engine has one place. */
export interface CallTarget {
  /** The swarm node that holds the resource the plan checked, or where a new container was placed. */
  readonly node?: string;
  /** For a pull, which runs on several nodes: the nodes (by their collection) the caller may use. */
  readonly mayUse?: (collection: string) => boolean;
}

export class EngineLink implements EngineLookups {
  readonly client: EngineClient;

  constructor(readonly dockerHost: string) {
    this.client = new EngineClient(dockerHost);
  }

  /** The engine's address and the socket error are for the audit log, not for the caller. */
  unreachable(err: Error): EngineFailure {
    // The client's own errors name the address and the call already.
    const detail = isUnavailable(err)
      ? err.message
      : `cannot reach the Docker Engine at ${this.dockerHost}: ${err.message}`;
    return new EngineFailure(undefined, detail, { cause: err });
  }

  /** Starts a request to the engine; the caller writes (or pipes) the body and reads the response. */
  open(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    onResponse: (res: IncomingMessage) => void,
    _target?: CallTarget,
  ): Writable {
    return this.client.open(method, path, headers, onResponse, { versioned: false });
  }

  /** The engine a hijacked call (attach, exec start) on `path` goes to. */
  clientFor(_method: string, _path: string, _node?: string): EngineClient {
    return this.client;
  }

  /** One buffered call at the pinned API version, for the proxy's own lookups. */
  async call(method: string, path: string, body?: unknown): Promise<EngineAnswer> {
    try {
      return await this.client.call(method, path, { body });
    } catch (err) {
      throw this.unreachable(err as Error);
    }
  }

  /** GET returning parsed JSON, or undefined on 404; other failures throw. */
  async inspect<T>(path: string): Promise<T | undefined> {
    return this.parsed<T>(await this.call('GET', path), path);
  }

  /** An inspect's answer: parsed JSON, or undefined on 404; other statuses throw. */
  parsed<T>(answer: EngineAnswer, path: string): T | undefined {
    if (answer.status === 404) return undefined;
    if (answer.status >= 400) {
      throw new EngineFailure(
        answer.status,
        `the Docker Engine answered ${answer.status} to GET ${path}: ${answer.body.toString()}`,
      );
    }
    return JSON.parse(answer.body.toString('utf8')) as T;
  }

  close(): void {
    this.client.close();
  }
}
