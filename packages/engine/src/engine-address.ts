/**
 * Where an engine listens, from a DOCKER_HOST-style string, and how to talk to it:
 * - `unix:///abs/path.sock`: plain HTTP over the unix socket;
 * - `tcp://host:port`: plain HTTP, or TLS when TLS options are given (DOCKER_TLS_VERIFY's way);
 * - `https://host:port`: TLS, verified against the given CA or else the system's.
 * A TCP address without a port gets Docker's defaults: 2375, or 2376 with TLS.
 *
 * Invariant: TLS is verified unless `verify: false` says otherwise (DOCKER_TLS without _VERIFY).
 */
import { InvalidArgumentError } from '@stevedore/errors';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface EngineTlsOptions {
  /** PEM CA certificate(s) the engine's certificate must chain to; absent: the system's CAs. */
  readonly ca?: string | Buffer;
  /** PEM client certificate and key, for engines that require one (`dockerd --tlsverify`). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Check the engine's certificate (default true). */
  readonly verify?: boolean;
  /** The name the engine's certificate must carry, when it is not the host of the address. */
  readonly servername?: string;
}

export type EngineAddress =
  | { readonly kind: 'unix'; readonly socketPath: string; readonly label: string }
  | {
      readonly kind: 'tcp';
      readonly host: string;
      readonly port: number;
      readonly tls: EngineTlsOptions | undefined;
      /** The address as messages name it: the DOCKER_HOST form. */
      readonly label: string;
    };

function invalid(value: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `invalid Docker host ${JSON.stringify(value)}: ${why}; use unix:///absolute/path.sock, tcp://HOST:PORT or https://HOST:PORT`,
    { detail: { field: 'dockerHost' } },
  );
}

export function parseDockerHost(value: string, tls?: EngineTlsOptions): EngineAddress {
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw invalid(value, 'the socket path must be absolute');
    if (tls) throw invalid(value, 'TLS applies to tcp:// addresses, not to a unix socket');
    return { kind: 'unix', socketPath, label: value };
  }
  const scheme = /^(tcp|https):\/\//.exec(value)?.[1];
  if (!scheme) throw invalid(value, 'unknown scheme');
  let url: URL;
  try {
    url = new URL(value.replace(/^tcp:/, 'http:'));
  } catch {
    throw invalid(value, 'not a host and port');
  }
  if (!url.hostname) throw invalid(value, 'no host');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username)
    throw invalid(value, 'only a host and a port may follow the scheme');
  const secure = scheme === 'https' || tls !== undefined;
  // URL drops a port that is the scheme's default (443 for https): read it back from the host part.
  const explicit = /:(\d+)\/?$/.exec(value)?.[1];
  const port = Number(url.port || explicit || (secure ? 2376 : 2375));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    kind: 'tcp',
    host,
    port,
    tls: secure ? (tls ?? {}) : undefined,
    label: `${scheme}://${shown}:${port}`,
  };
}
