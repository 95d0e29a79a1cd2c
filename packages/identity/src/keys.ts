/**
 * The Store key layout of identity (and the shared `/iam/` root that `@stevedore/access` also writes under).
 *
 * ```
 * /iam/                              everything the access model is built from; watched by every controller
 *   users/<user>                     User (no secrets)
 *   orgs/<org>                       Org
 *   teams/<org>/<team>               Team
 *   org-members/<org>/<user>         Membership (a team member is always an org member too)
 *   team-members/<org>/<team>/<user> Membership
 *   service-accounts/<org>/<name>    ServiceAccount (robot account); the access model ignores this kind
 *                                    (parseIdentityKey answers undefined for it), it lives here so that an
 *                                    org's removal and a service account's creation pin each other
 *   collections/…, roles/…, grants/… owned by @stevedore/access
 * /auth/                             credentials: never watched, never loaded into the model
 *   passwords/<user>                 { hash } (scrypt, PHC string)
 *   sessions/<sha256(token)>         Session; only the hash of the token is stored
 *   session-index/<user>             the user's sessions, oldest first: one key, so the per-user cap is
 *                                    enforced by a compare on it
 *   tokens/<sha256(token)>           AccessToken
 *   user-tokens/<user>/<id>          index for listing and revoking a user's access tokens
 *   bundles/<keyId>                  Bundle: a client certificate, by hex sha256 of its public key (SPKI)
 *   user-bundles/<user>/<id>         index for listing and revoking a user's client bundles
 *   sa-tokens/<org>/<name>/<id>      index of a service account's tokens (the tokens are in tokens/)
 * ```
 *
 * Names never contain `/` (see `names.ts`), so each segment is unambiguous. A service account logs in as
 * `<org>+<name>`: `+` is not allowed in account names, so that can never be a user's name.
 */

export const IAM_PREFIX = '/iam/';
export const AUTH_PREFIX = '/auth/';

export const identityKeys = {
  users: `${IAM_PREFIX}users/`,
  user: (name: string) => `${IAM_PREFIX}users/${name}`,
  orgs: `${IAM_PREFIX}orgs/`,
  org: (org: string) => `${IAM_PREFIX}orgs/${org}`,
  teamsOf: (org: string) => `${IAM_PREFIX}teams/${org}/`,
  team: (org: string, team: string) => `${IAM_PREFIX}teams/${org}/${team}`,
  orgMembersAll: `${IAM_PREFIX}org-members/`,
  orgMembers: (org: string) => `${IAM_PREFIX}org-members/${org}/`,
  orgMember: (org: string, user: string) => `${IAM_PREFIX}org-members/${org}/${user}`,
  teamMembersAll: `${IAM_PREFIX}team-members/`,
  teamMembersOfOrg: (org: string) => `${IAM_PREFIX}team-members/${org}/`,
  teamMembers: (org: string, team: string) => `${IAM_PREFIX}team-members/${org}/${team}/`,
  teamMember: (org: string, team: string, user: string) => `${IAM_PREFIX}team-members/${org}/${team}/${user}`,
  serviceAccountsAll: `${IAM_PREFIX}service-accounts/`,
  serviceAccounts: (org: string) => `${IAM_PREFIX}service-accounts/${org}/`,
  serviceAccount: (org: string, name: string) => `${IAM_PREFIX}service-accounts/${org}/${name}`,
  serviceAccountTokensOfOrg: (org: string) => `${AUTH_PREFIX}sa-tokens/${org}/`,
  serviceAccountTokens: (org: string, name: string) => `${AUTH_PREFIX}sa-tokens/${org}/${name}/`,
  serviceAccountToken: (org: string, name: string, id: string) =>
    `${AUTH_PREFIX}sa-tokens/${org}/${name}/${id}`,
  password: (user: string) => `${AUTH_PREFIX}passwords/${user}`,
  session: (hash: string) => `${AUTH_PREFIX}sessions/${hash}`,
  sessions: `${AUTH_PREFIX}sessions/`,
  sessionIndex: (user: string) => `${AUTH_PREFIX}session-index/${user}`,
  token: (hash: string) => `${AUTH_PREFIX}tokens/${hash}`,
  userTokens: (user: string) => `${AUTH_PREFIX}user-tokens/${user}/`,
  userToken: (user: string, id: string) => `${AUTH_PREFIX}user-tokens/${user}/${id}`,
  bundle: (keyId: string) => `${AUTH_PREFIX}bundles/${keyId}`,
  userBundles: (user: string) => `${AUTH_PREFIX}user-bundles/${user}/`,
  userBundle: (user: string, id: string) => `${AUTH_PREFIX}user-bundles/${user}/${id}`,
} as const;

/** The identity record a key under `/iam/` names, for the access model's watcher. */
export type IdentityKey =
  | { readonly kind: 'user'; readonly user: string }
  | { readonly kind: 'org'; readonly org: string }
  | { readonly kind: 'team'; readonly org: string; readonly team: string }
  | { readonly kind: 'org-member'; readonly org: string; readonly user: string }
  | { readonly kind: 'team-member'; readonly org: string; readonly team: string; readonly user: string };

export function parseIdentityKey(key: string): IdentityKey | undefined {
  if (!key.startsWith(IAM_PREFIX)) return undefined;
  const [kind, ...rest] = key.slice(IAM_PREFIX.length).split('/');
  const [a, b, c] = rest;
  if (kind === 'users' && rest.length === 1 && a) return { kind: 'user', user: a };
  if (kind === 'orgs' && rest.length === 1 && a) return { kind: 'org', org: a };
  if (kind === 'teams' && rest.length === 2 && a && b) return { kind: 'team', org: a, team: b };
  if (kind === 'org-members' && rest.length === 2 && a && b) return { kind: 'org-member', org: a, user: b };
  if (kind === 'team-members' && rest.length === 3 && a && b && c) {
    return { kind: 'team-member', org: a, team: b, user: c };
  }
  return undefined;
}
