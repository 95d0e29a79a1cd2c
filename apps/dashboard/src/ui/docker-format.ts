/**
 * Small pure formatters for Docker values (sizes, CPUs, ids, names, times) and the shell-like word split
 * a service form uses for its command. Kept apart from React so they are tested under Node
 * (test/docker-format.test.ts).
 */
import { collectionOf, COLLECTION_LABEL, type Labels, type Node, type Service } from '../api/docker-types.js';

/**
 * Where a container is: its label, else (a swarm task's container) its service's collection when the
 * service is visible, else /System.
 */
export function containerCollection(services: readonly Service[] | undefined) {
  const byId = new Map((services ?? []).map((s) => [s.ID, collectionOf(s.Spec.Labels)]));
  return (c: { readonly Labels?: Labels | undefined }): string =>
    c.Labels?.[COLLECTION_LABEL] ??
    byId.get(c.Labels?.['com.docker.swarm.service.id'] ?? '') ??
    collectionOf(c.Labels);
}

export const nodeName = (n: Node): string => n.Description?.Hostname ?? n.ID.slice(0, 12);
export const nodeRole = (n: Node): string =>
  n.Spec.Role === 'manager' ? (n.ManagerStatus?.Leader ? 'manager (leader)' : 'manager') : 'worker';

/** "running / wanted" for a replicated service (`GET /services?status=true` fills in the counts). */
export function replicasOf(s: Service): string {
  const running = s.ServiceStatus?.RunningTasks;
  const wanted = s.Spec.Mode?.Replicated ? (s.Spec.Mode.Replicated.Replicas ?? 1) : undefined;
  if (wanted === undefined) return `global${running !== undefined ? ` (${running} running)` : ''}`;
  return `${running ?? '?'} / ${wanted}`;
}

/** Bytes in binary units: 2147483648 -> "2.0 GiB". */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** NanoCPUs as CPUs: 4e9 -> "4", 1.5e9 -> "1.5". */
export function formatCpus(nanoCpus: number | undefined): string {
  if (nanoCpus === undefined) return '—';
  return String(Math.round(nanoCpus / 1e7) / 100);
}

export function shortId(id: string | undefined): string {
  return (id ?? '').slice(0, 12);
}

/** A container's name without the leading slash the engine keeps. */
/** A container's name; in a cluster of several nodes the controller names it `/<node>/<name>`. */
export function containerName(names: readonly string[] | undefined, id: string): string {
  const name = names?.[0];
  return name === undefined ? shortId(id) : name.slice(name.lastIndexOf('/') + 1);
}

/** The node a container runs on, when the controller named it (a cluster of several nodes). */
export function containerNode(names: readonly string[] | undefined): string | undefined {
  const parts = names?.[0]?.split('/') ?? [];
  return parts.length === 3 ? parts[1] : undefined;
}

export function formatTime(value: string | number | undefined): string {
  if (value === undefined || value === '') return '—';
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) || date.getTime() <= 0 ? '—' : date.toLocaleString();
}

/**
 * Splits a command line into words as a POSIX shell would for quotes and backslashes (no expansion):
 * `sh -c 'echo hello; sleep 1'` -> ['sh', '-c', 'echo hello; sleep 1']. Throws on an unclosed quote.
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`the command has an unclosed ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

/** Words back to a command line, quoting where needed (for showing a service's command). */
export function joinWords(words: readonly string[] | undefined): string {
  return (words ?? [])
    .map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
