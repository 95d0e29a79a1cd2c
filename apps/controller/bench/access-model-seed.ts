/**
 * The big access model the viewer rows run in, made through the REST API as an administrator would:
 *
 * ```
 * /Shared/big                      one parent
 *   /g0 … /g9                      ten groups
 *     /c000 … /c099                a hundred leaf collections each: 1,000 leaves (1,011 collections)
 * org bench-org, teams t0 … t9     each team holds one grant on every leaf: 10,000 grants, their roles
 *                                  cycling View Only, Restricted Control, Scheduler, Full Control
 * user viewer                      View Only on one leaf (VIEWER_COLLECTION), in no team or org; like
 *                                  every user, also Restricted Control on /Shared/Private/viewer
 * ```
 *
 * Writes go in parallel, arranged so that two writes in flight never pin the same record (a collection
 * pins its parent, a grant its subject and collection; a clash would only make one of them retry): one
 * worker per group for collections, one per team for grants, each team starting at another leaf.
 */
import { PASSWORD } from '../test/docker/platform.js';

export const BIG_ROOT = '/Shared/big';
export const GROUPS = 10;
export const LEAVES_PER_GROUP = 100;
export const TEAMS = 10;
export const VIEWER = 'viewer';
export const VIEWER_COLLECTION = `${BIG_ROOT}/g4/c042`;

const ROLES = ['view-only', 'restricted-control', 'scheduler', 'full-control'] as const;

export type AsAdmin = (method: string, path: string, body?: unknown) => Promise<void>;

/** The 1,000 leaf collections, group by group. */
export function leafCollections(): string[] {
  const leaves: string[] = [];
  for (let g = 0; g < GROUPS; g++)
    for (let c = 0; c < LEAVES_PER_GROUP; c++)
      leaves.push(`${BIG_ROOT}/g${g}/c${String(c).padStart(3, '0')}`);
  return leaves;
}

export interface SeededModel {
  readonly collections: number;
  readonly grants: number;
  readonly seconds: number;
}

export async function seedBigModel(asAdmin: AsAdmin): Promise<SeededModel> {
  const start = performance.now();
  const leaves = leafCollections();
  await asAdmin('POST', '/api/v1/collections', { path: BIG_ROOT });
  await Promise.all(
    Array.from({ length: GROUPS }, async (_, g) => {
      await asAdmin('POST', '/api/v1/collections', { path: `${BIG_ROOT}/g${g}` });
      for (const path of leaves.slice(g * LEAVES_PER_GROUP, (g + 1) * LEAVES_PER_GROUP))
        await asAdmin('POST', '/api/v1/collections', { path });
    }),
  );
  await asAdmin('POST', '/api/v1/orgs', { name: 'bench-org' });
  for (let t = 0; t < TEAMS; t++) await asAdmin('POST', '/api/v1/orgs/bench-org/teams', { name: `t${t}` });
  await Promise.all(
    Array.from({ length: TEAMS }, async (_, t) => {
      for (let i = 0; i < leaves.length; i++) {
        const at = (i + t * (leaves.length / TEAMS)) % leaves.length;
        await asAdmin('POST', '/api/v1/grants', {
          subject: { kind: 'team', id: `bench-org/t${t}` },
          roleId: ROLES[(at + t) % ROLES.length],
          collection: leaves[at],
        });
      }
    }),
  );
  await asAdmin('POST', '/api/v1/users', { name: VIEWER, password: PASSWORD });
  await asAdmin('POST', '/api/v1/grants', {
    subject: { kind: 'user', id: VIEWER },
    roleId: 'view-only',
    collection: VIEWER_COLLECTION,
  });
  return {
    collections: leaves.length + GROUPS + 1,
    grants: TEAMS * leaves.length + 1,
    seconds: (performance.now() - start) / 1000,
  };
}
