/**
 * The proxy's connection to the engine: one keep-alive agent over the engine's unix socket (or TCP), used
 * both for the proxy's own lookups (inspects and lists, buffered: they are small) and for forwarding
 * callers' requests (streamed: logs, events, builds and pulls flow through without being held).
 */
import { Agent, request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { ENGINE_API_VERSION, parseDockerHost, type EngineAddress } from '@stevedore/engine';
import type { EngineAnswer, EngineLookups } from './engine-api.js';
import { EngineFailure } from './engine-failure.js';

export class EngineLink implements EngineLookups {
  readonly address: EngineAddress;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 });

  constructor(readonly dockerHost: string) {
    this.address = parseDockerHost(dockerHost);
  }

  /** The engine's address and the socket error are for the audit log, not for the caller. */
  unreachable(err: Error): EngineFailure {
    return new EngineFailure(
      undefined,
      `cannot reach the Docker Engine at ${this.dockerHost}: ${err.message}`,
      {
        cause: err,
      },
    );
  }

  /** Starts a request to the engine; the caller writes (or pipes) the body and reads the response. */
  open(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    onResponse: (res: IncomingMessage) => void,
  ) {
    const req = request({ ...this.address, agent: this.agent, method, path, headers }, onResponse);
    return req;
  }

  /** One buffered call at the pinned API version, for the proxy's own lookups. */
  call(method: string, path: string, body?: unknown): Promise<EngineAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: OutgoingHttpHeaders = payload
      ? { 'content-type': 'application/json', 'content-length': payload.length }
      : {};
    return new Promise((resolve, reject) => {
      const req = this.open(method, `/v${ENGINE_API_VERSION}${path}`, headers, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', (err) => reject(this.unreachable(err)));
      req.end(payload);
    });
  }

  /** GET returning parsed JSON, or undefined on 404; other failures throw. */
  async inspect<T>(path: string): Promise<T | undefined> {
    const answer = await this.call('GET', path);
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
    this.agent.destroy();
  }
}
