/**
 * What the signed-in user may do in the registry, for showing buttons (the server decides every call).
 * A repository's own answer carries the caller's actions (`pull`, `push`, `delete`): `delete` is admin
 * access, which also changes its settings and team access. Creating needs the namespace: one's own, an
 * org one administers (org admin on the membership), or any for administrators.
 */
import { useQueries } from '@tanstack/react-query';
import { useSession } from '../session/session.js';
import { useApiClient } from './api-context.js';
import { useApiList } from './hooks.js';

export interface HasActions {
  readonly actions: readonly string[];
}

/** Admin access on the repository: delete tags, change settings and team access, delete it. */
export const canAdminister = (repo: HasActions): boolean => repo.actions.includes('delete');

/** The namespaces the user may create repositories in: their own first, then orgs by name. */
export function useCreatableNamespaces(): string[] {
  const user = useSession().user!;
  const api = useApiClient();
  const orgs = useApiList('listOrgs');
  const names = (orgs.data ?? []).map((o) => o.name).sort();
  const memberships = useQueries({
    queries: user.admin
      ? []
      : names.map((org) => ({
          queryKey: ['listOrgMembers', { params: { org } }],
          queryFn: () => api.call('listOrgMembers', { params: { org } }),
        })),
  });
  const administered = user.admin
    ? names
    : names.filter((_, i) =>
        memberships[i]?.data?.items.some((m) => m.user === user.name && m.admin === true),
      );
  return [user.name, ...administered];
}
