/**
 * The authorizer: a pure function of (model, user, operation, collection) to a decision with its reason.
 *
 * Rules, in order: an unknown or inactive user may do nothing; an unknown operation is refused (deny by
 * default); an admin may do everything; otherwise the operation is allowed when some grant on the
 * collection or one of its ancestors, held by the user, one of its teams or one of its orgs, names a role
 * that contains the operation. The nearest such grant is reported as the reason. A refusal lists the
 * grants that did apply to the collection, so "why can't I?" has an answer.
 */
import { selfAndAncestors } from './collections.js';
import type { AccessModel, Grant } from './model.js';
import { isOperation } from './operations.js';

export type DenyReason =
  'unknown-user' | 'inactive' | 'unknown-operation' | 'unknown-collection' | 'no-grant';

export type Decision =
  | { readonly allowed: true; readonly reason: 'admin'; readonly explanation: string }
  | {
      readonly allowed: true;
      readonly reason: 'grant';
      readonly grant: Grant;
      readonly explanation: string;
    }
  | {
      readonly allowed: false;
      readonly reason: DenyReason;
      /** Grants that apply to the collection for this user but whose roles lack the operation. */
      readonly applicable: readonly Grant[];
      readonly explanation: string;
    };

export interface AuthorizeRequest {
  readonly user: string;
  readonly operation: string;
  readonly collection: string;
}

function deny(reason: DenyReason, explanation: string, applicable: readonly Grant[] = []): Decision {
  return { allowed: false, reason, applicable, explanation };
}

export function authorize(model: AccessModel, request: AuthorizeRequest): Decision {
  const { user: name, operation, collection } = request;
  const user = model.users.get(name);
  if (!user) return deny('unknown-user', `no user ${JSON.stringify(name)}`);
  if (!user.active) return deny('inactive', `user ${name} is inactive`);
  if (!isOperation(operation))
    return deny('unknown-operation', `${JSON.stringify(operation)} is not a known operation`);
  if (user.admin) return { allowed: true, reason: 'admin', explanation: `${name} is an administrator` };
  if (!model.collections.has(collection)) {
    return deny(
      'unknown-collection',
      `collection ${collection} does not exist; only administrators act there`,
    );
  }

  const keys = model.subjectKeysOf(name);
  let applicable: Grant[] | undefined;
  for (const path of selfAndAncestors(collection)) {
    for (const key of keys) {
      const grants = model.grantsAt(path, key);
      if (!grants) continue;
      for (const grant of grants) {
        if (model.roles.get(grant.roleId)?.operations.has(operation)) {
          return {
            allowed: true,
            reason: 'grant',
            grant,
            explanation: `${operation} on ${collection} is allowed by grant ${grant.id}: ${describe(model, grant)}`,
          };
        }
        (applicable ??= []).push(grant);
      }
    }
  }
  const held =
    applicable === undefined
      ? `${name} holds no grant on ${collection} or above it`
      : `${name}'s grants there do not include it: ${applicable.map((g) => describe(model, g)).join('; ')}`;
  return deny('no-grant', `${operation} on ${collection} is not allowed: ${held}`, applicable ?? []);
}

function describe(model: AccessModel, grant: Grant): string {
  const role = model.roles.get(grant.roleId)?.name ?? grant.roleId;
  return `${role} on ${grant.collection} for ${grant.subject.kind} ${grant.subject.id}`;
}
