/**
 * `npm run bench:proxy`: the same Engine API calls made DIRECT to a private engine's unix socket and
 * THROUGH the controller's authorizing Docker API proxy (HTTPS, alice's client bundle), side by side in one
 * run. alice is not an administrator, so every list goes through the proxy's filtering; every resource is
 * labelled into /Shared/bench, where she has Full Control, so both paths list the same items (checked).
 *
 * Method: the control plane runs in this process (startControlPlane), so the RSS printed is the
 * controller's; the load client is a separate process (load-client.ts) holding one keep-alive connection
 * per target. Latency rows: a warm-up, then rounds alternating which target goes first (ABBA…), sequential
 * requests, p50/p99 over all rounds. Logs row: one untimed read per target, then alternating timed reads of
 * a followed log of a finished container, median MB/s (MB = 10^6 bytes of response body). The goals are
 * printed as met or missed; a miss does not fail the process (a benchmark reports, it does not assert).
 *
 * Options: --quick (few resources, requests and bytes: checks the harness in about a minute).
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { withBenchPlatform, type BenchPlatform } from './bench-platform.js';
import { createChattyContainer, createIdleServices, createRunningContainers } from './engine-fixtures.js';
import { LoadClient, type Target } from './load-client.js';
import { formatReport, percentile, median, type LatencyRow, type ThroughputRow } from './report.js';

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
const TARGETS: readonly Target[] = ['direct', 'proxy'];
/** ABBA…: round r starts with direct when r is even. */
const orderOf = (round: number): readonly Target[] => (round % 2 === 0 ? TARGETS : [...TARGETS].reverse());
const mb = (bytes: number) => Math.round(bytes / 1e6);

async function latencyRow(
  client: LoadClient,
  name: string,
  path: string,
  expected: number,
): Promise<LatencyRow> {
  for (const target of TARGETS) {
    const { items } = await client.run({ kind: 'count', target, path });
    if (items !== expected) throw new Error(`${target} ${path} listed ${items} items, not ${expected}`);
    await client.run({ kind: 'latency', target, path, count: SIZE.warmup });
  }
  const samples: Record<Target, number[]> = { direct: [], proxy: [] };
  const cpuBefore = process.cpuUsage();
  let proxyCpuUs = 0;
  for (let round = 0; round < SIZE.rounds; round++) {
    for (const target of orderOf(round)) {
      const cpu = process.cpuUsage();
      const { durationsMs = [] } = await client.run({ kind: 'latency', target, path, count: SIZE.perRound });
      samples[target].push(...durationsMs);
      if (target === 'proxy') proxyCpuUs += sum(process.cpuUsage(cpu));
    }
  }
  const directCpuUs = sum(process.cpuUsage(cpuBefore)) - proxyCpuUs;
  const stats = (s: number[]) => ({ p50: percentile(s, 50), p99: percentile(s, 99) });
  return {
    name,
    direct: stats(samples.direct),
    proxy: stats(samples.proxy),
    // The controller's CPU per proxied call, less what this process burns while only the engine works.
    controllerCpuMs: (proxyCpuUs - directCpuUs) / 1000 / samples.proxy.length,
  };
}

const sum = (u: NodeJS.CpuUsage) => u.user + u.system;

interface LogsResult {
  readonly row: ThroughputRow;
  readonly rssMB: { before: number; peakDirect: number; peakProxy: number; after: number };
}

async function logsRow(client: LoadClient, platform: BenchPlatform): Promise<LogsResult> {
  const id = await createChattyContainer(platform.engine, SIZE.logBytes);
  const path = `/v1.41/containers/${id}/logs?stdout=1&follow=1`;
  for (const target of TARGETS) await client.run({ kind: 'stream', target, path }); // page cache, JIT
  const rss = () => mb(process.memoryUsage().rss);
  const peak: Record<Target, number> = { direct: 0, proxy: 0 };
  let running: Target | undefined;
  const before = rss();
  const sampler = setInterval(() => {
    if (running) peak[running] = Math.max(peak[running], rss());
  }, 100);
  const rates: Record<Target, number[]> = { direct: [], proxy: [] };
  const sizes = new Set<number>();
  try {
    for (let round = 0; round < SIZE.logRuns; round++) {
      for (const target of orderOf(round)) {
        running = target;
        const { bytes = 0, seconds = 1 } = await client.run({ kind: 'stream', target, path });
        running = undefined;
        sizes.add(bytes);
        rates[target].push(bytes / 1e6 / seconds);
      }
    }
  } finally {
    clearInterval(sampler);
  }
  const [bytes = 0] = sizes;
  if (sizes.size !== 1 || bytes < SIZE.logBytes)
    throw new Error(`log reads differ or are short: ${[...sizes].join(', ')}`);
  return {
    row: {
      name: `GET /containers/{id}/logs?follow=1 (${SIZE.logBytes / MiB} MiB of stdout, ${mb(bytes)} MB framed)`,
      direct: median(rates.direct),
      proxy: median(rates.proxy),
    },
    rssMB: { before, peakDirect: peak.direct, peakProxy: peak.proxy, after: rss() },
  };
}

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
    );
    step('services');
    const services = await latencyRow(
      client,
      `GET /v1.41/services (${SIZE.services} services, 0 replicas)`,
      '/v1.41/services',
      SIZE.services,
    );
    step('logs');
    const logs = await logsRow(client, platform);
    const version = (await engine.request('GET', '/version')).json<{ Version: string }>().Version;
    console.log(
      formatReport({
        setting: `${quick ? 'QUICK run; ' : ''}Node ${process.version}, Docker Engine ${version}, ${cpus().length}× ${cpus()[0]?.model ?? 'CPU'}`,
        method: `${SIZE.warmup} warm-up + ${SIZE.rounds} alternating rounds × ${SIZE.perRound} sequential requests per target; logs: median of ${SIZE.logRuns} alternating reads`,
        latency: [containers, services],
        throughput: [logs.row],
        rssMB: logs.rssMB,
      }),
    );
  } finally {
    client.close();
  }
}

// Ctrl-C: exit through 'exit', where testkit kills and cleans up engines that were not stopped.
process.once('SIGINT', () => process.exit(130));
await withBenchPlatform(main);
