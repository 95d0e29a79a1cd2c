/**
 * The access each route needs, declared as data next to the routes (distribution's `appendAccessRecords`):
 * the one table the token stage enforces. A route kind or method missing here would be refused, never let
 * through: `neededAccess` throws for it.
 *
 *   /v2/                       any valid token
 *   /v2/_catalog               registry:catalog:*
 *   tags, manifest GET/HEAD,
 *   blob GET/HEAD, referrers   repository:<name>:pull
 *   uploads, manifest PUT      repository:<name>:pull,push
 *   manifest/blob DELETE       repository:<name>:delete
 *
 * A cross-repository mount also needs pull on `from`; without it the POST falls back to a plain upload
 * (the spec allows that), so it is checked in the upload handler, not here.
 */
import type { Scope } from '@stevedore/registry-auth';
import type { Route } from './routes.js';

const pull = (name: string): Scope => ({ type: 'repository', name, actions: ['pull'] });

/**
 * `catalogFiltered`: the platform filters the catalog by the caller (an authorizer), so any valid token
 * may list it; without one, only a token with `registry:catalog:*` (an administrator's) lists everything.
 */
export function neededAccess(route: Route, method: string, catalogFiltered = false): readonly Scope[] {
  switch (route.kind) {
    case 'base':
      return [];
    case 'catalog':
      return catalogFiltered ? [] : [{ type: 'registry', name: 'catalog', actions: ['*'] }];
    case 'tags':
    case 'referrers':
      return [pull(route.name)];
    case 'upload':
      return [{ type: 'repository', name: route.name, actions: ['pull', 'push'] }];
    case 'manifest':
    case 'blob':
      if (method === 'GET' || method === 'HEAD') return [pull(route.name)];
      if (method === 'DELETE') return [{ type: 'repository', name: route.name, actions: ['delete'] }];
      if (method === 'PUT' && route.kind === 'manifest') {
        return [{ type: 'repository', name: route.name, actions: ['pull', 'push'] }];
      }
  }
  throw new Error(`no access is declared for ${method} on a ${route.kind} route`);
}
