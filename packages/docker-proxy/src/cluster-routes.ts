/**
 * Where a call goes when the proxy speaks for a cluster (cluster-link.ts): to every member at once, to
 * the member that holds the resource it names, or to the manager's own engine (everything that is Swarm's:
 * services, tasks, nodes, secrets, configs, networks; and the calls that make images, which the manager
 * holds). Pure: the path (with or without a version prefix and query) in, the route out.
 *
 * - Lists of containers, images and volumes are merged from every member's answer.
 * - Events are merged; a pull runs on every member the caller may schedule on (and the manager), so any
 *   of them can then run the image; an import (`fromSrc`) runs on the manager.
 * - `/containers/{id}/…`, `/exec/{id}/…`, `/volumes/{name}` and `POST /commit?container=` go to the member
 *   that holds the resource.
 * - `POST /containers/create` goes where placement put it (the plan's `node`).
 * - A caller's `GET /info` is the manager's, with the cluster's counts and its nodes (`SystemStatus`, which
 *   `docker info` prints); the proxy's own `/info` lookups are the manager's engine alone.
 */
import { splitEnginePath } from './operations/index.js';

export type HeldType = 'container' | 'exec' | 'volume';
export type MergedList = 'containers' | 'images' | 'volumes';

export type ClusterRoute =
  | { readonly kind: 'local' }
  | { readonly kind: 'list'; readonly list: MergedList }
  | { readonly kind: 'stream' }
  | { readonly kind: 'held'; readonly type: HeldType; readonly ref: string }
  | { readonly kind: 'placed' }
  | { readonly kind: 'info' };

const LOCAL: ClusterRoute = { kind: 'local' };
const LISTS: Record<string, MergedList> = {
  '/containers/json': 'containers',
  '/images/json': 'images',
  '/volumes': 'volumes',
};
/** Segments after `/containers/` that are not an id. */
const CONTAINER_VERBS = new Set(['json', 'create', 'prune']);
const VOLUME_VERBS = new Set(['create', 'prune']);

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function clusterRoute(method: string, url: string): ClusterRoute {
  const { path } = splitEnginePath(url);
  if (method === 'GET' && LISTS[path]) return { kind: 'list', list: LISTS[path] };
  if (method === 'GET' && path === '/events') return { kind: 'stream' };
  if (method === 'GET' && path === '/info') return { kind: 'info' };
  const query = new URLSearchParams(url.split('?')[1] ?? '');
  // A pull runs on every node; an import (`fromSrc`: a body or a URL) only on the manager, as its tags are.
  if (method === 'POST' && path === '/images/create')
    return query.has('fromSrc') ? LOCAL : { kind: 'stream' };
  // A commit is of a container, on the node that holds it.
  if (method === 'POST' && path === '/commit') {
    const container = query.get('container');
    return container ? { kind: 'held', type: 'container', ref: container } : LOCAL;
  }
  if (method === 'POST' && path === '/containers/create') return { kind: 'placed' };
  const [, root, id] = path.split('/');
  if (id === undefined || id === '') return LOCAL;
  const ref = decoded(id);
  if (ref === undefined) return LOCAL;
  if (root === 'containers' && !CONTAINER_VERBS.has(id)) return { kind: 'held', type: 'container', ref };
  if (root === 'exec') return { kind: 'held', type: 'exec', ref };
  if (root === 'volumes' && !VOLUME_VERBS.has(id)) return { kind: 'held', type: 'volume', ref };
  return LOCAL;
}

/** The inspect that finds which member holds a resource. */
export function heldInspectPath(type: HeldType, ref: string): string {
  const id = encodeURIComponent(ref);
  return type === 'volume' ? `/volumes/${id}` : `/${type === 'exec' ? 'exec' : 'containers'}/${id}/json`;
}
