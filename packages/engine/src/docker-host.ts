/**
 * Where an engine listens, from a DOCKER_HOST-style string: `unix:///path/docker.sock` or
 * `tcp://host:port` (plain HTTP; TLS to an engine is for a later change — today the controller talks to
 * the engine of its own node over its unix socket).
 */
import { InvalidArgumentError } from '@stevedore/errors';

export type EngineAddress =
  { readonly socketPath: string } | { readonly host: string; readonly port: number };

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export function parseDockerHost(value: string): EngineAddress {
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (socketPath.startsWith('/')) return { socketPath };
  } else if (value.startsWith('tcp://')) {
    const url = new URL(value.replace(/^tcp:/, 'http:'));
    if (url.hostname && url.port)
      return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
  }
  throw new InvalidArgumentError(
    `invalid Docker host ${JSON.stringify(value)}: use unix:///absolute/path.sock or tcp://HOST:PORT`,
    { detail: { field: 'dockerHost' } },
  );
}
