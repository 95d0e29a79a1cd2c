/**
 * For this package's tests: the three callers every answer rewrite is checked for — an administrator,
 * View Only on /Shared/dev (sees, may not read logs; its default collection has no grant, so it sees no
 * images) and Restricted Control on /Shared/dev (sees and reads logs; /Shared/dev is its default
 * collection, so it may see images: those it made) — each with the ProxyAccess deciding for it.
 */
import type { ProxyAccess, ProxyCaller } from './caller.js';
import { testAccess } from './test-access.js';

export const DEV = '/Shared/dev';
export const IN_DEV = { 'io.stevedore.collection': DEV };

export type Who = 'admin' | 'view-only' | 'restricted-control';
export const EVERYONE: readonly Who[] = ['admin', 'view-only', 'restricted-control'];

export function testCallers(): Record<Who, { access: ProxyAccess; caller: ProxyCaller }> {
  const root = testAccess('root', []);
  root.model.putUser({ name: 'root', admin: true, active: true });
  const rita = testAccess('rita', [{ roleId: 'restricted-control', collection: DEV }]);
  return {
    admin: { access: root.access, caller: { ...root.caller, admin: true } },
    'view-only': testAccess('bob', [{ roleId: 'view-only', collection: DEV }]),
    'restricted-control': {
      ...rita,
      caller: { ...rita.caller, defaultCollection: DEV },
    },
  };
}
