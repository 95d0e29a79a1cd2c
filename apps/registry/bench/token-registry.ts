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
import { freePort, spawnTiedToParent } from '@stevedore/testkit';

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
  const child = await spawnTiedToParent(process.execPath, ['--import', 'tsx', ENTRY, configPath]);
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString('utf8')).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    let line = '';
    const timer = setTimeout(
      () => reject(new UnavailableError(`token registry did not start: ${output}`)),
      30_000,
    );
    child.stdout?.on('data', (c: Buffer) => {
      line += c.toString('utf8');
      const match = /^(https?:\/\/\S+)\n/m.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new UnavailableError(`token registry exited (${code}) before serving: ${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
