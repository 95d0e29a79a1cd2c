/**
 * A small Docker Engine API client for the control plane's own needs (ping, info, swarm). Requests are
 * pinned to API version 1.41, what Debian 12's engine serves, so answers have one known shape.
 *
 * Failures to reach the engine are UnavailableError with the address in the message; HTTP errors from
 * the engine keep its own message (it says what is wrong better than we could).
 */
import { request as httpRequest } from 'node:http';
import { FailedPreconditionError, UnavailableError } from '@stevedore/errors';
import { parseDockerHost, type EngineAddress } from './docker-host.js';

export const ENGINE_API_VERSION = '1.41';

export interface EngineInfo {
  readonly ID: string;
  readonly Name: string;
  readonly ServerVersion: string;
  readonly DockerRootDir: string;
  readonly Swarm: {
    readonly LocalNodeState: 'inactive' | 'pending' | 'active' | 'error' | 'locked';
    readonly NodeID: string;
    readonly ControlAvailable: boolean;
    readonly Cluster?: { readonly ID: string };
  };
}

export class EngineClient {
  readonly address: EngineAddress;

  constructor(readonly dockerHost: string) {
    this.address = parseDockerHost(dockerHost);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 30_000,
  ): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = payload
      ? { 'content-type': 'application/json', 'content-length': String(payload.length) }
      : {};
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { ...this.address, method, path: `/v${ENGINE_API_VERSION}${path}`, headers, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) =>
        reject(
          new UnavailableError(`cannot reach the Docker Engine at ${this.dockerHost}: ${err.message}`, {
            cause: err,
            detail: { dockerHost: this.dockerHost },
          }),
        ),
      );
      req.end(payload);
    });
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    if (res.status >= 400) {
      const message = (() => {
        try {
          return (JSON.parse(res.text) as { message?: string }).message ?? res.text;
        } catch {
          return res.text;
        }
      })();
      throw new FailedPreconditionError(`the Docker Engine refused ${method} ${path}: ${message}`, {
        detail: { engineStatus: res.status },
      });
    }
    return (res.text ? JSON.parse(res.text) : undefined) as T;
  }

  /** True when the engine answers `/_ping`; never throws. */
  async ping(): Promise<boolean> {
    try {
      const res = await this.request('GET', '/_ping', undefined, 5_000);
      return res.status === 200;
    } catch {
      return false;
    }
  }

  info(): Promise<EngineInfo> {
    return this.json<EngineInfo>('GET', '/info');
  }

  version(): Promise<{ Version: string; ApiVersion: string }> {
    return this.json('GET', '/version');
  }

  /** Initialises Swarm mode on this engine; answers the new node's id. */
  swarmInit(options: { advertiseAddr: string; listenAddr?: string }): Promise<string> {
    return this.json<string>('POST', '/swarm/init', {
      ListenAddr: options.listenAddr ?? '0.0.0.0:2377',
      AdvertiseAddr: options.advertiseAddr,
    });
  }
}
