/**
 * What the signed-in user may do, for hiding buttons they clearly cannot use. It reads the grants that
 * apply to the user (their own, their teams' and orgs': `GET /api/v1/grants`) and the roles' operations
 * (`GET /api/v1/roles`), and applies the authorizer's rule: a grant on a collection covers it and every
 * collection below. The proxy still decides every call; this only spares users buttons that would be
 * refused. While the grants load, `can` answers false (a button appears rather than vanishes).
 */
import { useMemo } from 'react';
import { isWithin } from '@stevedore/authz';
import { useSession } from '../session/session.js';
import { useApiQuery } from './hooks.js';

export interface Permissions {
  readonly ready: boolean;
  readonly admin: boolean;
  /** May the user do `operation` on `collection` (or, without one, on some collection)? */
  can(operation: string, collection?: string): boolean;
  /** The collections the user holds `operation` on directly (each covers those below it). */
  collectionsWith(operation: string): string[];
}

export function usePermissions(): Permissions {
  const admin = useSession().user?.admin ?? false;
  const grants = useApiQuery('listGrants', undefined, { enabled: !admin });
  const roles = useApiQuery('listRoles', undefined, { enabled: !admin });
  return useMemo<Permissions>(() => {
    if (admin) return { ready: true, admin, can: () => true, collectionsWith: () => ['/'] };
    const operations = new Map((roles.data?.items ?? []).map((r) => [r.id, new Set(r.operations)]));
    const held = (grants.data?.items ?? []).map((g) => ({
      collection: g.collection,
      operations: operations.get(g.roleId) ?? new Set<string>(),
    }));
    return {
      ready: grants.data !== undefined && roles.data !== undefined,
      admin,
      can: (operation, collection) =>
        held.some(
          (g) =>
            g.operations.has(operation) && (collection === undefined || isWithin(collection, g.collection)),
        ),
      collectionsWith: (operation) => [
        ...new Set(held.filter((g) => g.operations.has(operation)).map((g) => g.collection)),
      ],
    };
  }, [admin, grants.data, roles.data]);
}
