/**
 * Each user's private collection, `/Shared/Private/<user>`, on which the user holds Restricted Control.
 *
 * The seam: access hangs `identityHooks` on identity's transactions, so creating a user creates the
 * collection and the grant in the same commit (no window where the user exists without them, and nothing
 * to repair after a crash), and removing a user, team or org removes its grants in the same commit. The
 * controller wires it once: `createIdentity(store, { hooks: access.identityHooks })`. A watcher reacting
 * to user creation was the alternative; it would leave a window after the API answered, and make every
 * controller replica race to do the same thing.
 *
 * `ensureUserCollections` does the same for a user that already exists (a user created before access was
 * wired, or by a directory sync); it is idempotent. The private collection outlives its user: resources
 * labelled with it stay governed (by admins) until someone moves or removes them.
 */
import { BUILTIN_ROLE_IDS, privateCollectionOf } from '@stevedore/authz';
import {
  commit,
  encode,
  identityKeys,
  retrying,
  TxnBuilder,
  type IdentityHooks,
  type User,
} from '@stevedore/identity';
import { NotFoundError } from '@stevedore/errors';
import { isoAt, settled, type AccessContext } from './context.js';
import type { Grants } from './grants.js';
import { accessKeys as keys, grantIdOf } from './keys.js';

/**
 * Adds what is missing to `txn`. Returns undefined when something was, else the newer modRevision of the
 * two records (a revision under /iam/, so one that `afterWrite` can wait for).
 */
async function addUserCollection(
  ctx: AccessContext,
  user: string,
  txn: TxnBuilder,
): Promise<number | undefined> {
  const path = privateCollectionOf(user);
  const subject = { kind: 'user', id: user } as const;
  const roleId = BUILTIN_ROLE_IDS.restrictedControl;
  const id = grantIdOf(subject, roleId, path);
  const [collectionKv, grantKv] = await Promise.all([
    ctx.store.get(keys.collection(path)),
    ctx.store.get(keys.grant(id)),
  ]);
  const createdAt = isoAt(ctx);
  if (collectionKv) txn.touch(collectionKv);
  else txn.expect(keys.collection(path), 0).put(keys.collection(path), encode({ path, createdAt }));
  if (!grantKv) {
    txn
      .expect(keys.grant(id), 0)
      .put(keys.grant(id), encode({ id, subject, roleId, collection: path, createdAt }));
  }
  return collectionKv && grantKv ? Math.max(collectionKv.modRevision, grantKv.modRevision) : undefined;
}

export function identityHooksFor(ctx: AccessContext, grants: Grants): IdentityHooks {
  return {
    userCreated: async (user: User, txn: TxnBuilder) => {
      await addUserCollection(ctx, user.name, txn);
    },
    subjectsRemoved: (subjects, txn) => grants.removeAllOf(subjects, txn),
  };
}

/** Makes sure an existing user has their private collection and grant; returns the revision. */
export async function ensureUserCollections(ctx: AccessContext, user: string): Promise<{ revision: number }> {
  const revision = await retrying('create the private collection', async () => {
    const userKv = await ctx.store.get(identityKeys.user(user));
    if (!userKv) throw new NotFoundError(`user ${JSON.stringify(user)} does not exist`);
    const txn = new TxnBuilder();
    const unchangedAt = await addUserCollection(ctx, user, txn);
    if (unchangedAt !== undefined) return unchangedAt;
    return commit(ctx.store, txn.touch(userKv));
  });
  return settled(ctx, revision);
}
