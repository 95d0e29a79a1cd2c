/**
 * The Store key layout of repositories: who may do what in the registry. Kept outside `/iam/` on purpose:
 * the access model (packages/access) loads and watches all of `/iam/`, and nothing here is part of it;
 * create-on-push writes would only make every controller's watch busier.
 *
 * ```
 * /registry-access/
 *   repositories/<namespace>/<name>   Repository; <name> is the rest of the path and may hold "/"
 *                                     (acme/app/web → repositories/acme/app/web)
 *   namespaces/<org>                  NamespaceSettings of an org namespace (absent: defaults)
 * /settings/registry                  RegistrySettings, cluster-wide (anonymous pull)
 * /iam/…                              read here, written by identity: users, orgs, teams, memberships,
 *                                     service accounts (see packages/identity/src/keys.ts)
 * ```
 *
 * Unambiguous because a namespace is an account name (no "/") and repository paths follow the
 * distribution grammar. Keys compare bytewise, so `range(repositories/<ns>/, { after })` pages one
 * namespace in path order, and `range(repositories/)` the whole catalog.
 */

export const REGISTRY_ACCESS_PREFIX = '/registry-access/';

export const repositoryKeys = {
  repositories: `${REGISTRY_ACCESS_PREFIX}repositories/`,
  inNamespace: (namespace: string) => `${REGISTRY_ACCESS_PREFIX}repositories/${namespace}/`,
  repository: (namespace: string, name: string) =>
    `${REGISTRY_ACCESS_PREFIX}repositories/${namespace}/${name}`,
  namespaces: `${REGISTRY_ACCESS_PREFIX}namespaces/`,
  namespace: (namespace: string) => `${REGISTRY_ACCESS_PREFIX}namespaces/${namespace}`,
  registrySettings: '/settings/registry',
} as const;

/** `acme/app/web` → `{ namespace: 'acme', name: 'app/web' }`; undefined without a namespace. */
export function splitPath(path: string): { namespace: string; name: string } | undefined {
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) return undefined;
  return { namespace: path.slice(0, slash), name: path.slice(slash + 1) };
}
