/**
 * End to end as a user sees it: wall time of one real `docker` CLI run (process start, `/_ping`, a new TLS
 * connection, the calls the command makes, printing), DIRECT against the engine's socket and THROUGH the
 * proxy with a client bundle written to a temp dir as `source env.sh` would use it. Runs alternate
 * (ABBA…) like the other rows; the figures are the median and the slowest run.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureBinary, runDockerCli, type DockerEngine } from '@stevedore/testkit';
import type { ClientBundle } from './bench-platform.js';
import { median, type EndToEndRow } from './report.js';

export async function cliRow(
  engine: DockerEngine,
  proxyPort: number,
  bundle: ClientBundle,
  args: string[],
  /** Lines both runs must print (with the header), so both saw what they should. */
  expectedLines: { direct: number; proxy: number },
  runs: number,
): Promise<EndToEndRow> {
  const cli = await ensureBinary('docker', 'docker.io');
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-bench-cli-'));
  try {
    await writeFile(join(dir, 'ca.pem'), bundle.caPem, { mode: 0o600 });
    await writeFile(join(dir, 'cert.pem'), bundle.certPem, { mode: 0o600 });
    await writeFile(join(dir, 'key.pem'), bundle.keyPem, { mode: 0o600 });
    await mkdir(join(dir, 'docker-config'));
    const env = {
      direct: engine.env,
      proxy: {
        DOCKER_HOST: `tcp://127.0.0.1:${proxyPort}`,
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: dir,
        DOCKER_CONFIG: join(dir, 'docker-config'),
      },
    };
    const once = async (target: 'direct' | 'proxy') => {
      const start = performance.now();
      const { stdout } = await runDockerCli(cli, env[target], args, { timeoutMs: 60_000 });
      const ms = performance.now() - start;
      const lines = stdout.trim().split('\n').length;
      if (lines !== expectedLines[target])
        throw new Error(
          `${target} docker ${args.join(' ')} printed ${lines} lines, not ${expectedLines[target]}`,
        );
      return ms;
    };
    await once('direct');
    await once('proxy');
    const times = { direct: [] as number[], proxy: [] as number[] };
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const);
      for (const target of order) times[target].push(await once(target));
    }
    const stats = (t: number[]) => ({ p50: median(t), max: Math.max(...t) });
    return { name: `docker ${args.join(' ')}`, direct: stats(times.direct), proxy: stats(times.proxy) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
