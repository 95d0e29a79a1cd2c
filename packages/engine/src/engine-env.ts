/**
 * The engine the docker CLI would talk to, from its environment variables: DOCKER_HOST (default the
 * machine's socket), DOCKER_TLS_VERIFY (TLS, the engine's certificate checked against `ca.pem`),
 * DOCKER_TLS (TLS without that check) and DOCKER_CERT_PATH (where `ca.pem`, `cert.pem` and `key.pem` are;
 * default `~/.docker`). The client certificate is sent when `cert.pem` and `key.pem` are there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@stevedore/errors';
import { DEFAULT_DOCKER_HOST, type EngineTlsOptions } from './engine-address.js';

export interface EngineEnvironment {
  readonly dockerHost: string;
  readonly tls?: EngineTlsOptions;
}

const set = (v: string | undefined): v is string => v !== undefined && v !== '';

export function engineFromEnvironment(env: NodeJS.ProcessEnv = process.env): EngineEnvironment {
  const dockerHost = set(env['DOCKER_HOST']) ? env['DOCKER_HOST'] : DEFAULT_DOCKER_HOST;
  const verify = set(env['DOCKER_TLS_VERIFY']);
  if (!verify && !set(env['DOCKER_TLS'])) return { dockerHost };
  const dir = set(env['DOCKER_CERT_PATH']) ? env['DOCKER_CERT_PATH'] : join(homedir(), '.docker');
  const file = (name: string, required: boolean): Buffer | undefined => {
    const path = join(dir, name);
    if (existsSync(path)) return readFileSync(path);
    if (!required) return undefined;
    throw new InvalidArgumentError(
      `DOCKER_TLS_VERIFY is set but ${path} does not exist; put the engine's CA certificate there or set DOCKER_CERT_PATH`,
      { detail: { field: 'DOCKER_CERT_PATH' } },
    );
  };
  const ca = verify ? file('ca.pem', true) : undefined;
  const cert = file('cert.pem', false);
  const key = file('key.pem', false);
  const tls: EngineTlsOptions = {
    verify,
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
  };
  return { dockerHost, tls };
}
