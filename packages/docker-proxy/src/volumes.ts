/**
 * Named volumes in workloads: the engine creates a missing one on first mount without a label, so the
 * proxy makes it first, in the workload's collection; an existing one must be the caller's to use.
 */
import { decide } from './caller.js';
import { withCollection, type Labels } from './labels.js';
import { requireOperation, type PlanContext } from './plan-context.js';
import { EngineRefusal } from './refusals.js';

type Json = Record<string, unknown>;

/**
 * Volume names are unique on a node, and the engine would hand back the existing volume for a create (or
 * mount it): a name the caller may not see is refused as taken. Like any unique name, it tells that the
 * name is in use, nothing more. (A 404 here would make the docker CLI try to pull the image instead.)
 */
export function nameTaken(name: string): EngineRefusal {
  return new EngineRefusal(
    409,
    `the volume name ${name} is taken: choose another name`,
    `volume ${name} not visible`,
  );
}

/**
 * A named volume the workload mounts: an existing one must be usable by the caller; a missing one would be
 * created by the engine without a label (so in /System, invisible to its creator), so the proxy creates it
 * first, in the workload's collection. (A service's volumes are made on whichever node runs the task: they
 * get the label through the mount's VolumeOptions instead.)
 */
export async function useOrCreateVolume(ctx: PlanContext, name: string, collection: string, create: boolean) {
  const found = await ctx.resolver.locate('volume', name);
  if (found) {
    if (!decide(ctx.access, ctx.caller, 'volume.view', found.collection).allowed) throw nameTaken(name);
    requireOperation(ctx, 'volume.use', found.collection, `using volume ${name}`);
    return;
  }
  requireOperation(ctx, 'volume.create', collection, `creating volume ${name}`);
  if (create) {
    const answer = await ctx.engine.call('POST', '/volumes/create', {
      Name: name,
      Labels: withCollection({}, collection),
    });
    if (answer.status >= 400) throw new EngineRefusal(answer.status, answer.body.toString('utf8'));
  }
}

/** Labels the volumes a spec's mounts may create, wherever the engine creates them. */
export function labelMountVolumes(mounts: unknown, collection: string): void {
  if (!Array.isArray(mounts)) return;
  for (const mount of mounts as Json[]) {
    if ((mount['Type'] ?? 'volume') !== 'volume' || typeof mount['Source'] !== 'string') continue;
    const options = (mount['VolumeOptions'] ??= {}) as Json;
    options['Labels'] = withCollection(options['Labels'] as Labels, collection);
  }
}
