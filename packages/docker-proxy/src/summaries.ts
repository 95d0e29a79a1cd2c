/**
 * Engine-wide summaries for non-administrators, recomputed from what the caller may view: `GET /info`
 * (counts of containers, images and swarm nodes) and `GET /system/df` (disk usage of containers, volumes
 * and images). Counting everything would tell how many resources others have; listing it, what they are.
 *
 * The answers are built from the engine's, with only the fields below recomputed or dropped; the shape
 * stays the engine's, so the docker CLI prints them as usual.
 */
import type { ListedType } from './operations/index.js';
import type { AnswerContext } from './answer-rewrites.js';
import { EngineFailure } from './engine-failure.js';
import { filterList } from './list-filter.js';

type Json = Record<string, unknown>;

async function listed(ctx: AnswerContext, type: ListedType, path: string, optional = false) {
  const answer = await ctx.engine.call('GET', path);
  // Outside Swarm mode the engine has no nodes to list: there are none to count.
  if (answer.status >= 400 && optional) return [];
  if (answer.status >= 400)
    throw new EngineFailure(answer.status, `the Docker Engine answered ${answer.status} to GET ${path}`);
  return visibleOf(ctx, type, JSON.parse(answer.body.toString('utf8')) as Json[]);
}

async function visibleOf(ctx: AnswerContext, type: ListedType, items: Json[]): Promise<Json[]> {
  if (type === 'image') return visibleImages(items, ctx);
  return (await filterList(type, items, ctx.access, ctx.caller, ctx.resolver)) as Json[];
}

/**
 * HOOK(image ownership): the images of `images` the caller may view, as `GET /images/json` shows them:
 * the list filter's rule (`image.view` on the default collection, then image ownership, image-access.ts).
 * Whatever image ownership decides later, `info` and `system df` follow it here. Returns `images` itself
 * when all are visible as they are.
 */
export async function visibleImages(images: Json[], ctx: AnswerContext): Promise<Json[]> {
  const { access, caller, resolver, imageOwners } = ctx;
  return (await filterList('image', images, access, caller, resolver, imageOwners)) as Json[];
}

/**
 * `GET /info`: counts of visible containers (by state, as the engine counts: only `running` and `paused`
 * are not stopped) and images; in `Swarm`, counts of visible nodes and managers. Dropped, as cluster
 * administration rather than anything a user acts on:
 * - `Swarm.RemoteManagers`: the address of every manager (the cluster's control plane);
 * - `Swarm.Cluster`: the swarm's id and spec (raft, dispatcher, CA and autolock settings), its root CA and
 *   the address pools of every overlay network;
 * - `Swarm.NodeID` / `NodeAddr` when the engine's own node is not visible (so no node is told of that the
 *   node list would not show);
 * - `HttpProxy`, `HttpsProxy`, `NoProxy`: the host's proxy setup, internal hosts and perhaps a user name;
 * - `SystemStatus`: in a cluster, every node with its address and container counts (cluster-link.ts).
 */
export async function infoFor(value: unknown, ctx: AnswerContext): Promise<unknown> {
  const info = value as Json;
  const swarm = info['Swarm'] as Json | undefined;
  const inSwarm = swarm?.['LocalNodeState'] === 'active';
  const [containers, images, nodes] = await Promise.all([
    listed(ctx, 'container', '/containers/json?all=1'),
    listed(ctx, 'image', '/images/json'),
    inSwarm ? listed(ctx, 'node', '/nodes', true) : Promise.resolve([]),
  ]);
  const state = (s: string) => containers.filter((c) => c['State'] === s).length;
  const running = state('running');
  const paused = state('paused');
  const out: Json = {
    ...info,
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: containers.length - running - paused,
    Images: images.length,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
  };
  delete out['SystemStatus'];
  if (swarm) {
    const { RemoteManagers: _managers, Cluster: _cluster, ...kept } = swarm;
    const ownVisible = nodes.some((n) => n['ID'] === swarm['NodeID']);
    out['Swarm'] = {
      ...kept,
      ...(ownVisible ? {} : { NodeID: '', NodeAddr: '' }),
      Nodes: nodes.length,
      Managers: nodes.filter((n) => n['ManagerStatus'] !== undefined && n['ManagerStatus'] !== null).length,
    };
  }
  return out;
}

const mountsVolume = (container: Json, name: unknown) =>
  ((container['Mounts'] as Json[] | null) ?? []).some((m) => m['Type'] === 'volume' && m['Name'] === name);

/**
 * `GET /system/df` (the API 1.41 shape): only visible containers, volumes and images, no build cache
 * (builds are not placed in a collection). What each item counts is recounted among the visible: an
 * image's containers, a volume's references. The images' layers size is the engine's when every image is
 * visible; otherwise the visible images' own bytes (shared layers left out: they may be others'). Fields
 * not named here are not passed on, so a newer engine's shape answers empty rather than whole.
 */
export async function diskUsageFor(value: unknown, ctx: AnswerContext): Promise<unknown> {
  const df = value as Json;
  const given = (key: string) => (Array.isArray(df[key]) ? (df[key] as Json[]) : undefined);
  const [images, volumes] = [given('Images'), given('Volumes')];
  const containers = given('Containers')
    ? await visibleOf(ctx, 'container', given('Containers')!)
    : images || volumes
      ? await listed(ctx, 'container', '/containers/json?all=1')
      : [];
  const out: Json = {};
  if (images) {
    const seen = await visibleImages(images, ctx);
    out['Images'] = seen.map((image) => ({
      ...image,
      Containers: containers.filter((c) => c['ImageID'] === image['Id']).length,
    }));
    const own = (i: Json) => Number(i['Size'] ?? 0) - Math.max(Number(i['SharedSize'] ?? 0), 0);
    out['LayersSize'] = seen === images ? df['LayersSize'] : seen.reduce((sum, i) => sum + own(i), 0);
  }
  if (given('Containers')) out['Containers'] = containers;
  if (volumes) {
    const seen = (
      (await filterList('volume', { Volumes: volumes }, ctx.access, ctx.caller, ctx.resolver)) as {
        Volumes: Json[];
      }
    ).Volumes;
    out['Volumes'] = seen.map((v) => {
      const usage = v['UsageData'] as Json | null | undefined;
      if (!usage) return v;
      return {
        ...v,
        UsageData: { ...usage, RefCount: containers.filter((c) => mountsVolume(c, v['Name'])).length },
      };
    });
  }
  if ('BuildCache' in df) out['BuildCache'] = [];
  return out;
}
