/** The benchmark's output: one text table on stdout, and the same figures as JSON in bench-results/. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface PeakRss {
  readonly ours: number;
  readonly reference: number;
}

export interface Row {
  readonly name: string;
  readonly unit: string;
  readonly ours: number;
  readonly reference: number;
  /** ours / reference, oriented so that above 1.0 means we are better. */
  readonly ratio: number;
  /** Peak resident memory (MB) of each server while the row ran, when measured. */
  readonly peakRssMB?: PeakRss;
  /** nginx serving the same file (the machine's limit), when the row has that third column. */
  readonly nginx?: number;
  /** ours / nginx. */
  readonly ratioNginx?: number;
  /** Server CPU milliseconds per 100 MB sent, per server, when measured. */
  readonly cpuMsPer100MB?: Readonly<Record<string, number>>;
}

export interface RowOptions {
  /** False for figures where less is better (memory): the ratio is then reference / ours. */
  readonly higherIsBetter?: boolean;
  readonly peakRssMB?: PeakRss;
  readonly nginx?: number;
  readonly cpuMsPer100MB?: Readonly<Record<string, number>>;
}

export function row(
  name: string,
  unit: string,
  ours: number,
  reference: number,
  options: RowOptions = {},
): Row {
  const ratio = options.higherIsBetter === false ? reference / ours : ours / reference;
  return {
    name,
    unit,
    ours,
    reference,
    ratio,
    ...(options.peakRssMB ? { peakRssMB: options.peakRssMB } : {}),
    ...(options.nginx !== undefined ? { nginx: options.nginx, ratioNginx: ours / options.nginx } : {}),
    ...(options.cpuMsPer100MB ? { cpuMsPer100MB: options.cpuMsPer100MB } : {}),
  };
}

function figure(n: number): string {
  // NaN: no figure (a row without a reference to compare with).
  if (Number.isNaN(n)) return '—';
  if (!Number.isFinite(n)) return String(n);
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function table(rows: readonly Row[], labels: { ours: string; reference: string }): string {
  const withNginx = rows.some((r) => r.nginx !== undefined);
  const head = [
    'operation',
    'unit',
    labels.ours,
    labels.reference,
    'ratio',
    ...(withNginx ? ['nginx', 'ours/nginx'] : []),
    'peak RSS MB ours / ref',
  ];
  const cells = rows.map((r) => [
    r.name,
    r.unit,
    figure(r.ours),
    figure(r.reference),
    Number.isNaN(r.ratio) ? '—' : `${r.ratio.toFixed(2)}x`,
    ...(withNginx
      ? [
          r.nginx !== undefined ? figure(r.nginx) : '',
          r.ratioNginx !== undefined ? `${r.ratioNginx.toFixed(2)}x` : '',
        ]
      : []),
    r.peakRssMB ? `${r.peakRssMB.ours.toFixed(0)} / ${r.peakRssMB.reference.toFixed(0)}` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string =>
    c.map((v, i) => (i < 2 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), rule, ...cells.map(line)].join('\n');
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(value, null, 2) + '\n');
}
