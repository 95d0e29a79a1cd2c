/** The benchmark's output: one text table on stdout, and the same figures as JSON in bench-results/. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Row {
  readonly name: string;
  readonly unit: string;
  readonly ours: number;
  readonly reference: number;
  /** ours / reference, oriented so that above 1.0 means we are better. */
  readonly ratio: number;
}

export function row(name: string, unit: string, ours: number, reference: number, higherIsBetter = true): Row {
  const ratio = higherIsBetter ? ours / reference : reference / ours;
  return { name, unit, ours, reference, ratio };
}

function figure(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function table(rows: readonly Row[], labels: { ours: string; reference: string }): string {
  const head = ['operation', 'unit', labels.ours, labels.reference, 'ratio'];
  const cells = rows.map((r) => [
    r.name,
    r.unit,
    figure(r.ours),
    figure(r.reference),
    `${r.ratio.toFixed(2)}x`,
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
