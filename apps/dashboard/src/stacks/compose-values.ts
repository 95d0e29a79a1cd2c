/**
 * The value forms compose allows, read the way docker's compose loader reads them: lists or `KEY=value`
 * mappings for labels, a string (split like a shell would) or a list for command and entrypoint, and the
 * short (`"8080:80/udp"`) and long port syntaxes. Each reader adds a problem instead of throwing, so a
 * deploy reports everything wrong with a file at once.
 */
import { splitWords } from '../ui/docker-format.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Scalars as text (compose allows numbers and booleans where strings are meant). */
export function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

export function asList(value: unknown, where: string, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((v) => text(v) !== '' || v === '')) return value.map(text);
  problems.push(`${where} must be a list of strings`);
  return [];
}

/** `{ a: 1 }` or `["a=1"]` -> `{ a: '1' }`. */
export function asLabels(value: unknown, where: string, problems: string[]): Record<string, string> {
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, text(v)]));
  return Object.fromEntries(
    asList(value, where, problems).map((entry) => {
      const i = entry.indexOf('=');
      return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
    }),
  );
}

/** command / entrypoint: undefined when absent. */
export function asWords(value: unknown, where: string, problems: string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    try {
      return splitWords(value);
    } catch (err) {
      problems.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }
  return asList(value, where, problems);
}

export interface PortConfig {
  Protocol: 'tcp' | 'udp';
  TargetPort: number;
  PublishedPort?: number;
  PublishMode: 'ingress' | 'host';
}

function port(value: unknown): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** `"8080:80"`, `"80"`, `"8080:80/udp"`, or `{ target, published, protocol, mode }`. */
export function parsePorts(value: unknown, where: string, problems: string[]): PortConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${where} must be a list`);
    return [];
  }
  return value.flatMap((entry, i): PortConfig[] => {
    const at = `${where}[${i}]`;
    if (isRecord(entry)) {
      const target = port(entry['target']);
      const published = entry['published'] === undefined ? undefined : port(entry['published']);
      const protocol = text(entry['protocol']) || 'tcp';
      const mode = text(entry['mode']) || 'ingress';
      if (!target || (entry['published'] !== undefined && !published))
        problems.push(`${at}: target and published must be port numbers`);
      if (protocol !== 'tcp' && protocol !== 'udp') problems.push(`${at}.protocol must be tcp or udp`);
      if (mode !== 'ingress' && mode !== 'host') problems.push(`${at}.mode must be ingress or host`);
      return [
        {
          Protocol: protocol === 'udp' ? 'udp' : 'tcp',
          TargetPort: target ?? 0,
          ...(published ? { PublishedPort: published } : {}),
          PublishMode: mode === 'host' ? 'host' : 'ingress',
        },
      ];
    }
    const m = /^(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(text(entry));
    const target = port(m?.[2]);
    const published = m?.[1] === undefined ? undefined : port(m[1]);
    if (!m || !target || (m[1] !== undefined && !published)) {
      problems.push(`${at}: use "published:target[/udp]" (ranges and addresses are not supported)`);
      return [];
    }
    const protocol = m[3] === 'udp' ? 'udp' : 'tcp';
    return [
      {
        Protocol: protocol,
        TargetPort: target,
        ...(published ? { PublishedPort: published } : {}),
        PublishMode: 'ingress',
      },
    ];
  });
}
