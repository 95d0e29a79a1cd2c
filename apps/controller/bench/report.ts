/**
 * The proxy benchmark's output: markdown tables of direct and proxied figures with their ratios (proxy /
 * direct, so above 1.0 is slower for latency and faster for throughput), whether each goal is met, and
 * the controller's RSS around the logs run.
 */

/**
 * The goals: proxied latency at most 1.2× direct, proxied throughput at least 0.9× direct, and a filtered
 * list of 1,000 services in under a second end to end.
 */
export const MAX_LATENCY_RATIO = 1.2;
export const MIN_THROUGHPUT_RATIO = 0.9;
export const MAX_END_TO_END_MS = 1000;

export interface LatencyRow {
  readonly name: string;
  readonly direct: { readonly p50: number; readonly p99: number };
  readonly proxy: { readonly p50: number; readonly p99: number };
  /** Controller CPU time per proxied call (ms). */
  readonly controllerCpuMs: number;
}

export interface ThroughputRow {
  readonly name: string;
  /** MB/s (10^6 bytes). */
  readonly direct: number;
  readonly proxy: number;
  /** Controller CPU while proxying, in cores (CPU seconds per second). */
  readonly controllerCores: number;
}

/** Wall times of whole CLI runs or cold requests (end to end), held to MAX_END_TO_END_MS. */
export interface EndToEndRow {
  readonly name: string;
  readonly direct: { readonly p50: number; readonly max: number };
  readonly proxy: { readonly p50: number; readonly max: number };
}

export interface Report {
  readonly setting: string;
  readonly method: string;
  readonly latency: readonly LatencyRow[];
  readonly throughput: readonly ThroughputRow[];
  readonly endToEnd: readonly EndToEndRow[];
  readonly rssMB?: { before: number; peakDirect: number; peakProxy: number; after: number };
  /** Lines printed under the setting: what the model and the lists hold. */
  readonly notes: readonly string[];
}

/** Nearest-rank percentile. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
    : (sorted[Math.floor(mid)] ?? NaN);
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
const x = (v: number) => `${v.toFixed(2)}×`;
const goal = (met: boolean) => (met ? 'met' : 'MISSED');

export function formatReport(r: Report): string {
  const lines = [
    '',
    `Stevedore Docker API proxy vs direct engine socket — ${r.setting}`,
    r.method,
    ...r.notes,
    '',
    '| call | direct p50 | proxy p50 | ratio | direct p99 | proxy p99 | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const l of r.latency) {
    const [p50, p99] = [l.proxy.p50 / l.direct.p50, l.proxy.p99 / l.direct.p99];
    lines.push(
      `| ${l.name} | ${ms(l.direct.p50)} | ${ms(l.proxy.p50)} | ${x(p50)} | ${ms(l.direct.p99)} | ${ms(l.proxy.p99)} | ${x(p99)} |`,
    );
  }
  lines.push('', '| call | direct MB/s | proxy MB/s | ratio |', '| --- | ---: | ---: | ---: |');
  for (const t of r.throughput) {
    lines.push(`| ${t.name} | ${t.direct.toFixed(1)} | ${t.proxy.toFixed(1)} | ${x(t.proxy / t.direct)} |`);
  }
  if (r.endToEnd.length > 0)
    lines.push(
      '',
      '| end to end | direct median | proxy median | ratio | direct slowest | proxy slowest |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    );
  for (const e of r.endToEnd) {
    lines.push(
      `| ${e.name} | ${ms(e.direct.p50)} | ${ms(e.proxy.p50)} | ${x(e.proxy.p50 / e.direct.p50)} | ${ms(e.direct.max)} | ${ms(e.proxy.max)} |`,
    );
  }
  lines.push('', 'Goals:');
  for (const l of r.latency) {
    const [p50, p99] = [l.proxy.p50 / l.direct.p50, l.proxy.p99 / l.direct.p99];
    lines.push(
      `- ${l.name}: latency ≤ ${MAX_LATENCY_RATIO}× direct: p50 ${goal(p50 <= MAX_LATENCY_RATIO)} (${x(p50)}), p99 ${goal(p99 <= MAX_LATENCY_RATIO)} (${x(p99)}); controller CPU ${ms(l.controllerCpuMs)} per proxied call`,
    );
  }
  for (const t of r.throughput) {
    const ratio = t.proxy / t.direct;
    lines.push(
      `- ${t.name}: throughput ≥ ${MIN_THROUGHPUT_RATIO}× direct: ${goal(ratio >= MIN_THROUGHPUT_RATIO)} (${x(ratio)}); controller CPU ${(t.controllerCores * 100).toFixed(0)}% of a core while proxying`,
    );
  }
  for (const e of r.endToEnd) {
    lines.push(
      `- ${e.name}: under ${MAX_END_TO_END_MS} ms end to end through the proxy: ${goal(e.proxy.max < MAX_END_TO_END_MS)} (median ${ms(e.proxy.p50)}, slowest ${ms(e.proxy.max)})`,
    );
  }
  const m = r.rssMB;
  if (m)
    lines.push(
      '',
      'Controller RSS (the control plane runs in this benchmark process; the load client is a separate process),',
      'sampled every 100 ms during the timed log reads:',
      `before ${m.before} MB, peak during direct reads ${m.peakDirect} MB (proxy idle), peak during proxied reads ${m.peakProxy} MB, after ${m.after} MB`,
    );
  lines.push('');
  return lines.join('\n');
}
