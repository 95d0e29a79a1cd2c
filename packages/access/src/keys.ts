/**
 * The Store keys of access control, under the `/iam/` root it shares with identity (see identity's
 * `keys.ts` for the whole tree), so that one range and one watch of `/iam/` see everything the access
 * model is built from, at one revision.
 *
 * ```
 * /iam/collections<path>   Collection, e.g. /iam/collections/Shared/dev; the defaults (/, /System, /Shared,
 *                          /Shared/Private, /Shared/Legacy) are implicit and never stored
 * /iam/roles/<id>          custom Role; built-in roles are code (@stevedore/authz), never stored
 * /iam/grants/<id>         Grant; the id is derived from (subject, role, collection), so a grant is unique
 * ```
 */
import { createHash } from 'node:crypto';
import { IAM_PREFIX, type Subject } from '@stevedore/identity';

export const accessKeys = {
  collections: `${IAM_PREFIX}collections/`,
  collection: (path: string) => `${IAM_PREFIX}collections${path}`,
  /** Every descendant of `path` (not itself). */
  descendants: (path: string) => `${IAM_PREFIX}collections${path === '/' ? '' : path}/`,
  roles: `${IAM_PREFIX}roles/`,
  role: (id: string) => `${IAM_PREFIX}roles/${id}`,
  grants: `${IAM_PREFIX}grants/`,
  grant: (id: string) => `${IAM_PREFIX}grants/${id}`,
} as const;

export type AccessKey =
  | { readonly kind: 'collection'; readonly path: string }
  | { readonly kind: 'role'; readonly id: string }
  | { readonly kind: 'grant'; readonly id: string };

export function parseAccessKey(key: string): AccessKey | undefined {
  if (key.startsWith(accessKeys.collections)) {
    return { kind: 'collection', path: key.slice(accessKeys.collection('').length) };
  }
  const rest = (prefix: string) => (key.startsWith(prefix) ? key.slice(prefix.length) : undefined);
  const role = rest(accessKeys.roles);
  if (role) return { kind: 'role', id: role };
  const grant = rest(accessKeys.grants);
  if (grant) return { kind: 'grant', id: grant };
  return undefined;
}

/** A grant's id: stable for (subject, role, collection), so granting the same thing twice is AlreadyExists. */
export function grantIdOf(subject: Subject, roleId: string, collection: string): string {
  return createHash('sha256')
    .update([subject.kind, subject.id, roleId, collection].join('\n'))
    .digest('hex')
    .slice(0, 24);
}
