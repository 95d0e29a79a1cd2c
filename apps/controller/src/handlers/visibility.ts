/**
 * What a non-administrator may see of accounts and access records. Anything else is answered with the
 * same 404 as a thing that does not exist, so names cannot be probed.
 */
import { isWithin } from '@stevedore/authz';
import { NotFoundError } from '@stevedore/errors';
import type { Grant as GrantRecord } from '@stevedore/access';
import type { Caller } from '../http/route-kit.js';
import type { Services } from './services.js';

export function notFound(what: string): NotFoundError {
  return new NotFoundError(`${what} does not exist, or you may not see it`);
}

/** The grants that count for the caller: their own, their teams' and their orgs'. */
export async function grantsOf(services: Services, caller: Caller): Promise<GrantRecord[]> {
  const keys = new Set(services.sync.model.subjectKeysOf(caller.name));
  return (await services.access.grants.list()).filter((g) => keys.has(`${g.subject.kind}:${g.subject.id}`));
}

/** A collection is visible when one of the caller's grants is on it or on one of its ancestors. */
export function reachable(path: string, grants: readonly GrantRecord[]): boolean {
  return grants.some((g) => isWithin(path, g.collection));
}

export async function requireOrgMember(services: Services, caller: Caller, org: string): Promise<void> {
  if (caller.admin) return;
  const { orgs } = await services.identity.members.of(caller.name);
  if (!orgs.includes(org)) throw notFound(`org ${org}`);
}
