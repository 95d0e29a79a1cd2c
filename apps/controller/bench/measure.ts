/**
 * The proxy benchmark's two kinds of rows, each measuring DIRECT and PROXY with the same load client:
 * - latency: a check that both targets list the expected number of items, a warm-up, then rounds that
 *   alternate which target goes first (ABBA…), sequential requests, p50/p99 over all rounds; also the
 *   controller's CPU per proxied call (this process's CPU during proxy rounds, less that during direct ones);
 * - followed logs: one untimed read per target (page cache, JIT), then alternating timed reads, median MB/s
 *   (10^6 bytes of response body), the controller's CPU while proxying, and its RSS sampled every 100 ms.
 */
import type { DockerEngine } from '@stevedore/testkit';
import { createChattyContainer } from './engine-fixtures.js';
import type { LoadClient, Target } from './load-client.js';
import { median, percentile, type LatencyRow, type ThroughputRow } from './report.js';

export interface Rounds {
  readonly warmup: number;
  readonly rounds: number;
  readonly perRound: number;
}

const MiB = 1 << 20;
const TARGETS: readonly Target[] = ['direct', 'proxy'];
/** ABBA…: round r starts with direct when r is even. */
const orderOf = (round: number): readonly Target[] => (round % 2 === 0 ? TARGETS : [...TARGETS].reverse());
export const mb = (bytes: number) => Math.round(bytes / 1e6);

export interface Expected {
  /** How many items the direct answer lists; -1 for an answer that is not a list (an inspect). */
  readonly direct: number;
  /** How many the proxy lists for the caller; `direct` when absent (the caller sees everything). */
  readonly proxy?: number;
}

export interface RowOptions {
  /** The identity calling the proxy (load-client.ts); alice by default. */
  readonly as?: string;
  /** What is measured against direct: the proxy, or the bare HTTPS pipe of floor-proxy.ts. */
  readonly against?: Target;
  /** A new connection per request (TCP and TLS handshakes included), as a CLI run makes. */
  readonly cold?: boolean;
}

export async function latencyRow(
  client: LoadClient,
  name: string,
  path: string,
  expected: number | Expected,
  size: Rounds,
  options: RowOptions = {},
): Promise<LatencyRow> {
  const counts = typeof expected === 'number' ? { direct: expected } : expected;
  const as = options.as === undefined ? {} : { as: options.as };
  const kind = options.cold ? 'cold' : 'latency';
  const against = options.against ?? 'proxy';
  const targets: readonly Target[] = ['direct', against];
  for (const target of targets) {
    const { items } = await client.run({ kind: 'count', target, path, ...as });
    const want = target === 'proxy' ? (counts.proxy ?? counts.direct) : counts.direct;
    if (items !== want) throw new Error(`${target} ${path} listed ${items} items, not ${want}`);
    await client.run({ kind, target, path, count: size.warmup, ...as });
  }
  return alternate(
    name,
    size,
    async (target) => {
      const { durationsMs = [] } = await client.run({ kind, target, path, count: size.perRound, ...as });
      return durationsMs;
    },
    against,
  );
}

/**
 * Rounds that alternate which target goes first (ABBA…), p50/p99 over all of them, and the controller's CPU
 * per proxied call: this process's CPU during proxy rounds, less that during direct ones (what it burns
 * while only the engine works).
 */
async function alternate(
  name: string,
  size: Rounds,
  run: (target: Target) => Promise<number[]>,
  against: Target = 'proxy',
): Promise<LatencyRow> {
  const samples: Record<Target, number[]> = { direct: [], proxy: [], floor: [] };
  const cpuUs: Record<Target, number> = { direct: 0, proxy: 0, floor: 0 };
  for (let round = 0; round < size.rounds; round++) {
    const order: readonly Target[] = round % 2 === 0 ? ['direct', against] : [against, 'direct'];
    for (const target of order) {
      const cpu = process.cpuUsage();
      samples[target].push(...(await run(target)));
      cpuUs[target] += sum(process.cpuUsage(cpu));
    }
  }
  const stats = (s: number[]) => ({ p50: percentile(s, 50), p99: percentile(s, 99) });
  return {
    name,
    direct: stats(samples.direct),
    proxy: stats(samples[against]),
    controllerCpuMs: (cpuUs[against] - cpuUs.direct) / 1000 / samples[against].length,
  };
}

const sum = (u: NodeJS.CpuUsage) => u.user + u.system;

/**
 * Container creates, DIRECT and PROXY alternating like latencyRow: through the proxy the body is decoded
 * canonically, every field is held to its policy, and what was made is read back (the post-check).
 */
export async function createRow(
  client: LoadClient,
  name: string,
  path: string,
  body: string,
  size: Rounds,
): Promise<LatencyRow> {
  const count = Math.max(10, Math.round(size.perRound / 4));
  for (const target of TARGETS) await client.run({ kind: 'create', target, path, body, count: 5 });
  return alternate(name, size, async (target) => {
    const { durationsMs = [] } = await client.run({ kind: 'create', target, path, body, count });
    return durationsMs;
  });
}

export interface LogsResult {
  readonly row: ThroughputRow;
  readonly rssMB: { before: number; peakDirect: number; peakProxy: number; after: number };
}

export async function logsRow(
  client: LoadClient,
  engine: DockerEngine,
  logBytes: number,
  runs: number,
): Promise<LogsResult> {
  const id = await createChattyContainer(engine, logBytes);
  const path = `/v1.41/containers/${id}/logs?stdout=1&follow=1`;
  for (const target of TARGETS) await client.run({ kind: 'stream', target, path }); // page cache, JIT
  const rss = () => mb(process.memoryUsage().rss);
  const peak: Record<Target, number> = { direct: 0, proxy: 0, floor: 0 };
  let running: Target | undefined;
  const before = rss();
  const sampler = setInterval(() => {
    if (running) peak[running] = Math.max(peak[running], rss());
  }, 100);
  const rates: Record<Target, number[]> = { direct: [], proxy: [], floor: [] };
  const sizes = new Set<number>();
  /** Controller CPU seconds per second of a proxied read: the share of a core the proxy needs to keep up. */
  const controllerCpu: number[] = [];
  try {
    for (let round = 0; round < runs; round++) {
      for (const target of orderOf(round)) {
        running = target;
        const cpu = process.cpuUsage();
        const { bytes = 0, seconds = 1 } = await client.run({ kind: 'stream', target, path });
        if (target === 'proxy') controllerCpu.push(sum(process.cpuUsage(cpu)) / 1e6 / seconds);
        running = undefined;
        sizes.add(bytes);
        rates[target].push(bytes / 1e6 / seconds);
      }
    }
  } finally {
    clearInterval(sampler);
  }
  const [bytes = 0] = sizes;
  if (sizes.size !== 1 || bytes < logBytes)
    throw new Error(`log reads differ or are short: ${[...sizes].join(', ')}`);
  return {
    row: {
      name: `GET /containers/{id}/logs?follow=1 (${logBytes / MiB} MiB of stdout, ${mb(bytes)} MB framed)`,
      direct: median(rates.direct),
      proxy: median(rates.proxy),
      controllerCores: median(controllerCpu),
    },
    rssMB: { before, peakDirect: peak.direct, peakProxy: peak.proxy, after: rss() },
  };
}
