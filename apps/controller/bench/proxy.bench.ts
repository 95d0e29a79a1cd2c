/**
 * `npm run bench:proxy`: the same Engine API calls made DIRECT to a private engine's unix socket and
 * THROUGH the controller's authorizing Docker API proxy (HTTPS, alice's client bundle), side by side in one
 * run. alice is not an administrator, so every list goes through the proxy's filtering; every resource is
 * labelled into /Shared/bench, where she has Full Control, so both paths list the same items (checked).
 *
 * Setting: the control plane runs in this process (startControlPlane, over a memory Store), so the RSS
 * printed is the controller's; the load client is a process of its own (load-client.ts), one keep-alive
 * connection per target, so neither its TLS work nor its heap is counted as the proxy's. How each row is
 * measured: measure.ts. Goals (latency ≤ 1.2× direct, throughput ≥ 0.9× direct) are printed as met or
 * missed; a miss does not fail the process: a benchmark reports, it does not assert.
 *
 * Noise: this shares the machine's cores with dockerd; the log rate is the engine's json-file reading
 * (~20 MB/s on two cores) and varies ±25% from read to read, so compare the controller CPU figure too.
 *
 * Options: --quick (few resources, requests and bytes: checks the harness in about a minute).
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { BENCH_LABELS, IMAGE, withBenchPlatform, type BenchPlatform } from './bench-platform.js';
import { createIdleServices, createRunningContainers } from './engine-fixtures.js';
import { LoadClient } from './load-client.js';
import { createRow, latencyRow, logsRow } from './measure.js';
import { cliCreateBody, decodeCost } from './create-body.js';
import { formatReport } from './report.js';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = flags.quick === true;
const MiB = 1 << 20;
const SIZE = quick
  ? { containers: 10, services: 20, warmup: 20, rounds: 2, perRound: 50, logBytes: 20 * MiB, logRuns: 1 }
  : {
      containers: 100,
      services: 500,
      warmup: 100,
      rounds: 5,
      perRound: 200,
      logBytes: 200 * MiB,
      logRuns: 3,
    };

async function main(platform: BenchPlatform): Promise<void> {
  const { engine, plane, bundle } = platform;
  const step = (what: string) => console.error(`[bench:proxy] ${new Date().toISOString()} ${what}`);
  step(`creating ${SIZE.containers} running containers and ${SIZE.services} services`);
  await createRunningContainers(engine, SIZE.containers);
  await createIdleServices(engine, SIZE.services);
  const client = new LoadClient({ socketPath: engine.socketPath, proxyPort: plane.port, bundle });
  try {
    step('containers/json');
    const containers = await latencyRow(
      client,
      `GET /v1.41/containers/json?all=1 (${SIZE.containers} running containers)`,
      '/v1.41/containers/json?all=1',
      SIZE.containers,
      SIZE,
    );
    step('services');
    const services = await latencyRow(
      client,
      `GET /v1.41/services (${SIZE.services} services, 0 replicas)`,
      '/v1.41/services',
      SIZE.services,
      SIZE,
    );
    step('containers/{id}/json');
    const [someId = ''] = (await engine.docker(['ps', '-q', '--no-trunc'])).stdout.split('\n');
    const inspect = await latencyRow(
      client,
      'GET /v1.41/containers/{id}/json (one inspect: what the post-check adds to a create)',
      `/v1.41/containers/${someId}/json`,
      -1,
      SIZE,
    );
    step('containers/create');
    const creates = await createRow(
      client,
      'POST /v1.41/containers/create (docker run’s body; canonical decode, field policy, post-check)',
      '/v1.41/containers/create',
      JSON.stringify(cliCreateBody(IMAGE, BENCH_LABELS)),
      SIZE,
    );
    step('canonical decode, in process');
    const decode = decodeCost(JSON.stringify(cliCreateBody(IMAGE, BENCH_LABELS)));
    step('logs');
    const logs = await logsRow(client, engine, SIZE.logBytes, SIZE.logRuns);
    const version = (await engine.request('GET', '/version')).json<{ Version: string }>().Version;
    console.log(
      formatReport({
        setting: `${quick ? 'QUICK run; ' : ''}Node ${process.version}, Docker Engine ${version}, ${cpus().length}× ${cpus()[0]?.model ?? 'CPU'}`,
        method: `${SIZE.warmup} warm-up + ${SIZE.rounds} alternating rounds × ${SIZE.perRound} sequential requests per target; logs: median of ${SIZE.logRuns} alternating reads`,
        latency: [containers, services, inspect, creates],
        throughput: [logs.row],
        rssMB: logs.rssMB,
      }),
    );
    console.log(
      `Canonical decode of docker run's ${decode.bytes}-byte create body, in process: ${decode.canonicalUs.toFixed(1)} µs per body (decode + re-serialize + field policy) vs ${decode.jsonParseUs.toFixed(1)} µs for JSON.parse + JSON.stringify (${(decode.canonicalUs / decode.jsonParseUs).toFixed(2)}×)`,
    );
  } finally {
    client.close();
  }
}

// Ctrl-C: exit through 'exit', where testkit kills and cleans up engines that were not stopped.
process.once('SIGINT', () => process.exit(130));
await withBenchPlatform(main);
