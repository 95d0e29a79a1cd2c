/**
 * One answer from many members' (cluster-link.ts). Pure, except `mergeLines`, which interleaves streams.
 *
 * - Containers: every member's, newest first, `limit` applied to the whole. For the caller, each name
 *   carries its node as classic Swarm showed it (`/node-1/web`, so `docker ps` prints `node-1/web`); the
 *   proxy's own lookups get the names as the engines gave them.
 * - Images: one entry per image id, with the tags and digests every member knows it by, and the
 *   containers using it counted over all of them.
 * - Volumes: every member's (a name may be on several nodes: each is its own volume), with a warning
 *   for each member that did not answer.
 * - Streams (events, pull progress): whole lines from every member, as each member sends them.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { MergedList } from './cluster-routes.js';

type Json = Record<string, unknown>;

/** The longest line a merged stream holds while it waits for its end (events and progress lines are short). */
const MAX_LINE = 1 << 20;

export interface MemberList {
  readonly node: string;
  /** The member's parsed answer; undefined when it did not answer. */
  readonly value: unknown;
}

export interface MergeOptions {
  /** Prefix container names with their node (caller-facing answers). */
  readonly nodeNames: boolean;
  /** The `limit` query parameter, applied to the merged list (`docker ps -n`). */
  readonly limit?: number;
}

const arrayOf = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];

function mergeContainers(lists: readonly MemberList[], options: MergeOptions): Json[] {
  const all = lists.flatMap(({ node, value }) =>
    arrayOf(value).map((item) =>
      options.nodeNames ? { ...item, Names: strings(item['Names']).map((n) => `/${node}${n}`) } : item,
    ),
  );
  all.sort((a, b) => Number(b['Created'] ?? 0) - Number(a['Created'] ?? 0));
  return options.limit !== undefined && options.limit > 0 ? all.slice(0, options.limit) : all;
}

function mergeImages(lists: readonly MemberList[]): Json[] {
  const byId = new Map<string, Json>();
  for (const { value } of lists) {
    for (const image of arrayOf(value)) {
      const id = typeof image['Id'] === 'string' ? image['Id'] : '';
      const seen = byId.get(id);
      if (!seen) {
        byId.set(id, { ...image });
        continue;
      }
      const union = (field: string, none: string) => {
        const names = [...new Set([...strings(seen[field]), ...strings(image[field])])];
        const named = names.filter((n) => n !== none);
        seen[field] = named.length > 0 ? named : names;
      };
      union('RepoTags', '<none>:<none>');
      union('RepoDigests', '<none>@<none>');
      const a = Number(seen['Containers'] ?? -1);
      const b = Number(image['Containers'] ?? -1);
      if (a >= 0 && b >= 0) seen['Containers'] = a + b;
    }
  }
  return [...byId.values()].sort((a, b) => Number(b['Created'] ?? 0) - Number(a['Created'] ?? 0));
}

function mergeVolumes(lists: readonly MemberList[]): Json {
  const volumes: Json[] = [];
  const warnings: string[] = [];
  for (const { node, value } of lists) {
    if (value === undefined) {
      warnings.push(`node ${node} did not answer: its volumes are not listed`);
      continue;
    }
    const answer = (value ?? {}) as Json;
    volumes.push(...arrayOf(answer['Volumes']));
    warnings.push(...strings(answer['Warnings']).map((w) => `${node}: ${w}`));
  }
  return { Volumes: volumes, Warnings: warnings.length > 0 ? warnings : null };
}

export function mergeLists(list: MergedList, lists: readonly MemberList[], options: MergeOptions): unknown {
  if (list === 'containers') return mergeContainers(lists, options);
  if (list === 'images') return mergeImages(lists);
  return mergeVolumes(lists);
}

/**
 * Whole lines from every source, as they come; ends when all have ended. A source that fails ends there
 * (`onSourceError` is told). Destroying the result destroys the sources.
 */
export function mergeLines(sources: readonly Readable[], onSourceError: (err: Error) => void): Readable {
  const out = new PassThrough();
  let open = sources.length;
  const ended = () => {
    if (--open === 0) out.end();
  };
  const paused = new Set<Readable>();
  out.on('drain', () => {
    for (const source of paused) source.resume();
    paused.clear();
  });
  out.on('close', () => {
    for (const source of sources) source.destroy();
  });
  for (const source of sources) {
    let partial = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (out.destroyed) return;
      if (partial !== '') out.write(`${partial}\n`);
      partial = '';
      ended();
    };
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      const text = partial + chunk;
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        partial = text;
        // A member that never ends a line is cut, not held in memory.
        if (partial.length > MAX_LINE) source.destroy(new Error(`a line of over ${MAX_LINE} characters`));
        return;
      }
      partial = text.slice(cut + 1);
      if (!out.write(text.slice(0, cut + 1))) {
        source.pause();
        paused.add(source);
      }
    });
    source.on('end', finish);
    source.on('error', (err: Error) => {
      partial = '';
      onSourceError(err);
      finish();
    });
    source.on('close', finish);
  }
  if (sources.length === 0) out.end();
  return out;
}
