/**
 * Our registry with token auth as a separate process, for the benchmark's authenticated rows.
 * `stevedore registry serve` offers only `--auth none` (token auth belongs to the platform registry that
 * `stevedore up` runs, with the controller's token service), so this starts `startRegistry` itself, with
 * exactly the token options the platform passes (realm, service, issuer, trusted signing certificates),
 * through ./serve-token-registry.ts. Like the CLI-started process: its own data dir, a free loopback port,
 * setpriv's parent-death signal so it cannot outlive the benchmark, the pid its own.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnavailableError } from '@stevedore/errors';
import { freePort, startLineChild } from '@stevedore/testkit';

const ENTRY = fileURLToPath(new URL('./serve-token-registry.ts', import.meta.url));

export interface TokenRegistryConfig {
  readonly listen: string;
  readonly dataDir: string;
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM of the trusted token signing certificate. */
  readonly signingCertPem: string;
}

export interface TokenRegistryProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startTokenRegistryProcess(
  options: Omit<TokenRegistryConfig, 'listen'>,
): Promise<TokenRegistryProcess> {
  const listen = `127.0.0.1:${await freePort()}`;
  const configPath = join(options.dataDir, 'bench-token-registry.json');
  await writeFile(configPath, JSON.stringify({ ...options, listen } satisfies TokenRegistryConfig));
  const child = await startLineChild('the token registry', ENTRY, [configPath], 30_000);
  if (!/^https?:\/\/\S+$/.test(child.line)) {
    await child.stop();
    throw new UnavailableError(`the token registry printed no address: ${child.line}`);
  }
  return { url: child.line, pid: child.pid, stop: () => child.stop() };
}
