/**
 * Start-up refusals that keep a registry from being exposed by accident: no authentication or plain
 * HTTP on a non-loopback address, unless explicitly allowed. Each message says what to do instead.
 */
import { FailedPreconditionError, InvalidArgumentError } from '@stevedore/errors';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseListen(listen: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(listen);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new InvalidArgumentError(
      `listen address "${listen}" must be HOST:PORT, e.g. 127.0.0.1:5443 or [::1]:5443 (port 0 picks a free one)`,
      {
        detail: { listen },
      },
    );
  }
  return { host: match[1] ?? match[2]!, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface SafetyOptions {
  readonly host: string;
  readonly auth: 'none' | 'token';
  readonly tls: boolean;
  readonly allowInsecureAuth?: boolean;
  readonly allowPlainHttp?: boolean;
}

export function checkSafety(options: SafetyOptions): void {
  const loopback = isLoopback(options.host);
  if (!loopback && options.auth === 'none' && !options.allowInsecureAuth) {
    throw new FailedPreconditionError(
      `refusing to serve without authentication on ${options.host}, which is not a loopback address: anyone who can ` +
        'reach it could push and delete images. Listen on 127.0.0.1, or pass --allow-insecure-auth ' +
        '(registry.allowInsecureAuth: true) if you really mean it.',
      { detail: { field: 'registry.allowInsecureAuth', host: options.host } },
    );
  }
  if (!loopback && !options.tls && !options.allowPlainHttp) {
    throw new FailedPreconditionError(
      `refusing to serve plain HTTP on ${options.host}, which is not a loopback address: give --tls-cert and --tls-key ` +
        '(registry.tlsCert, registry.tlsKey), or pass --allow-plain-http (registry.allowPlainHttp: true).',
      { detail: { field: 'registry.allowPlainHttp', host: options.host } },
    );
  }
}
