/**
 * Deciding what a body asks for (field-policy's needs) for one caller in one collection: capability
 * operations against the caller's grants there, administrator-only fields against the caller being one,
 * references (networks, volumes, secrets, configs, other containers) against their visibility and the
 * matching "use" operation, and images against image visibility. Cheap checks run first, so nothing is
 * created (a missing named volume) for a request that is refused anyway.
 */
import type { Operation } from '@stevedore/authz';
import type { Need, RefType } from './field-policy/index.js';
import { requireOperation, visible, type PlanContext } from './plan-context.js';
import { forbidden } from './refusals.js';
import { useOrCreateVolume } from './volumes.js';

const USE_OF: Record<RefType, Operation> = {
  network: 'network.connect',
  volume: 'volume.use',
  secret: 'secret.use',
  config: 'config.use',
  container: 'container.archive',
};

export interface EnforceOptions {
  /** Create a missing named volume now (plain containers); services label theirs through the mount. */
  readonly createVolumes: boolean;
}

export async function enforceNeeds(
  ctx: PlanContext,
  needs: readonly Need[],
  collection: string,
  options: EnforceOptions,
): Promise<void> {
  for (const need of needs) {
    if (need.kind === 'operation') requireOperation(ctx, need.operation, collection, need.rule);
    else if (need.kind === 'admin' && !ctx.caller.admin)
      throw forbidden(`${need.rule} is for administrators only`);
  }
  const seen = new Set<string>();
  for (const need of needs) {
    if (need.kind !== 'ref' && need.kind !== 'image') continue;
    const key = `${need.kind}:${need.kind === 'ref' ? need.type : ''}:${need.ref}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (need.kind === 'image') await ctx.images.checkUse(ctx, need.ref);
    else if (need.type === 'volume')
      await useOrCreateVolume(ctx, need.ref, collection, options.createVolumes);
    else {
      const found = await visible(ctx, need.type, need.ref);
      requireOperation(ctx, USE_OF[need.type], found.collection, `using ${need.type} ${need.ref}`);
    }
  }
}
