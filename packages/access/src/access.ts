/**
 * The access service: collections, roles and grants in the Store, and the hooks identity runs in its
 * transactions. One per controller, next to identity:
 *
 * ```ts
 * const sync = await startAccessModelSync(store);
 * const afterWrite = (r: number) => sync.waitForRevision(r);
 * const access = createAccess(store, { afterWrite });
 * const identity = createIdentity(store, { hooks: access.identityHooks, afterWrite });
 * sync.authorize({ user, operation: 'container.create', collection: '/Shared/dev' });
 * ```
 */
import type { IdentityHooks } from '@stevedore/identity';
import type { Store } from '@stevedore/store';
import { Collections } from './collections.js';
import type { AccessContext } from './context.js';
import { Grants } from './grants.js';
import { Roles } from './roles.js';
import { ensureUserCollections, identityHooksFor } from './user-collections.js';

export interface AccessOptions {
  readonly now?: () => number;
  /** Awaited after every write with its revision, before the write's promise resolves. */
  readonly afterWrite?: (revision: number) => Promise<void>;
}

export interface Access {
  readonly collections: Collections;
  readonly roles: Roles;
  readonly grants: Grants;
  /** Pass to `createIdentity(store, { hooks })`: private collections for new users, grants go with subjects. */
  readonly identityHooks: IdentityHooks;
  /** Gives an existing user `/Shared/Private/<user>` and Restricted Control on it, if missing (idempotent). */
  createUserCollections(user: string): Promise<{ revision: number }>;
}

export function createAccess(store: Store, options: AccessOptions = {}): Access {
  const ctx: AccessContext = {
    store,
    now: options.now ?? Date.now,
    afterWrite: options.afterWrite ?? (() => Promise.resolve()),
  };
  const grants = new Grants(ctx);
  return {
    collections: new Collections(ctx),
    roles: new Roles(ctx),
    grants,
    identityHooks: identityHooksFor(ctx, grants),
    createUserCollections: (user) => ensureUserCollections(ctx, user),
  };
}
