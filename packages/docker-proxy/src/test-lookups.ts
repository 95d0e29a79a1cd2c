/**
 * For this package's tests: the engine as the planner and the answer rewrites see it (EngineLookups), over
 * resources held in memory. Inspects resolve a reference as the Docker Engine does (full id, then exact
 * name, then a unique id prefix) and fail the way it fails: an ambiguous prefix is a 500 for containers
 * (20.10's "Multiple IDs found") and a 400 for swarm resources; nothing is a 404. Paths in `failing`
 * answer 500. Every call's path is kept in `calls`.
 */
import type { EngineAnswer, EngineLookups } from './engine-api.js';
import { EngineFailure } from './engine-failure.js';

type Json = Record<string, unknown>;

export interface FakeResources {
  readonly containers?: Json[];
  readonly services?: Json[];
  readonly tasks?: Json[];
  readonly nodes?: Json[];
  readonly networks?: Json[];
  readonly volumes?: Json[];
  readonly images?: Json[];
  readonly execs?: Json[];
  readonly info?: Json;
  readonly failing?: readonly string[];
}

const answer = (status: number, value: unknown): EngineAnswer => ({
  status,
  headers: {},
  body: Buffer.from(JSON.stringify(value)),
});

const idOf = (r: Json) => String(r['Id'] ?? r['ID']);
const nameOf = (r: Json) =>
  String(
    r['Name'] ?? (r['Names'] as string[] | undefined)?.[0] ?? (r['Spec'] as Json | undefined)?.['Name'],
  ).replace(/^\//, '');

function resolve(items: Json[], ref: string, ambiguousStatus: number, what: string): EngineAnswer {
  const exact = items.find((r) => idOf(r) === ref) ?? items.find((r) => nameOf(r) === ref.replace(/^\//, ''));
  if (exact) return answer(200, exact);
  const prefixed = items.filter((r) => idOf(r).startsWith(ref));
  if (prefixed.length === 1) return answer(200, prefixed[0]);
  if (prefixed.length > 1)
    return answer(ambiguousStatus, { message: `Multiple IDs found with provided prefix: ${ref}` });
  return answer(404, { message: `No such ${what}: ${ref}` });
}

export function fakeLookups(r: FakeResources): EngineLookups & { readonly calls: string[] } {
  const calls: string[] = [];
  const inspectable: Record<string, [Json[], number]> = {
    containers: [r.containers ?? [], 500],
    services: [r.services ?? [], 400],
    tasks: [r.tasks ?? [], 400],
    nodes: [r.nodes ?? [], 400],
    networks: [r.networks ?? [], 400],
  };
  const lists: Record<string, unknown> = {
    '/containers/json?all=1': r.containers ?? [],
    '/services': r.services ?? [],
    '/tasks': r.tasks ?? [],
    '/nodes': r.nodes ?? [],
    '/networks': r.networks ?? [],
    '/images/json': r.images ?? [],
    '/volumes': { Volumes: r.volumes ?? [], Warnings: null },
    '/info': r.info ?? {},
  };
  const call = (method: string, path: string): Promise<EngineAnswer> => {
    calls.push(path);
    if (r.failing?.includes(path)) return Promise.resolve(answer(500, { message: 'engine trouble' }));
    if (path in lists) return Promise.resolve(answer(200, lists[path]));
    const [, kind = '', ref = ''] = /^\/([a-z]+)\/([^/]+)/.exec(path) ?? [];
    const decoded = decodeURIComponent(ref);
    if (kind === 'exec') {
      const exec = r.execs?.find((e) => e['ID'] === decoded);
      return Promise.resolve(exec ? answer(200, exec) : answer(404, { message: 'No such exec instance' }));
    }
    if (kind === 'volumes') {
      const volume = r.volumes?.find((v) => v['Name'] === decoded);
      return Promise.resolve(volume ? answer(200, volume) : answer(404, { message: 'no such volume' }));
    }
    const found = inspectable[kind];
    if (method !== 'GET' || !found) return Promise.resolve(answer(404, { message: `no ${path}` }));
    return Promise.resolve(resolve(found[0], decoded, found[1], kind));
  };
  return {
    calls,
    call,
    async inspect<T>(path: string): Promise<T | undefined> {
      const a = await call('GET', path);
      if (a.status === 404) return undefined;
      if (a.status >= 400)
        throw new EngineFailure(a.status, `the Docker Engine answered ${a.status} to GET ${path}`);
      return JSON.parse(a.body.toString('utf8')) as T;
    },
  };
}
