/**
 * Collections in the Store. The defaults exist from the start (they are implicit, never stored) and
 * cannot be removed. A child needs its parent; creating one pins a stored parent, so a removal of the
 * parent racing with it retries and sees the child. A collection with children or grants cannot be
 * removed (grants pin their collection the same way).
 */
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '@stevedore/errors';
import { DEFAULT_COLLECTIONS, parentOf, validateCollectionPath } from '@stevedore/authz';
import { commit, decode, encode, retrying, TxnBuilder, type Written } from '@stevedore/identity';
import { isoAt, settled, type AccessContext } from './context.js';
import { accessKeys as keys } from './keys.js';
import { collectionSchema, grantSchema } from './records.js';

export interface Collection {
  readonly path: string;
  readonly builtin: boolean;
  /** ISO 8601; absent for the built-in ones. */
  readonly createdAt?: string;
}

export const isDefaultCollection = (path: string): boolean => DEFAULT_COLLECTIONS.includes(path);

export class Collections {
  constructor(private readonly ctx: AccessContext) {}

  async list(): Promise<readonly Collection[]> {
    const { kvs } = await this.ctx.store.range(keys.collections);
    const stored = kvs.map((kv) => ({ ...decode(collectionSchema, kv), builtin: false }));
    return [...DEFAULT_COLLECTIONS.map((path) => ({ path, builtin: true })), ...stored].sort((a, b) =>
      a.path < b.path ? -1 : 1,
    );
  }

  async get(path: string): Promise<Collection> {
    if (isDefaultCollection(path)) return { path, builtin: true };
    const kv = await this.ctx.store.get(keys.collection(path));
    if (!kv) throw new NotFoundError(`collection ${path} does not exist`);
    return { ...decode(collectionSchema, kv), builtin: false };
  }

  async create(path: string): Promise<Written<Collection>> {
    validateCollectionPath(path);
    const record = { path, createdAt: isoAt(this.ctx) };
    const revision = await retrying('create the collection', async () => {
      const parent = parentOf(path) ?? '/';
      const [existing, parentKv] = await Promise.all([
        isDefaultCollection(path) ? undefined : this.ctx.store.get(keys.collection(path)),
        isDefaultCollection(parent) ? undefined : this.ctx.store.get(keys.collection(parent)),
      ]);
      if (isDefaultCollection(path) || existing) {
        throw new AlreadyExistsError(`collection ${path} already exists`, { detail: { field: 'path' } });
      }
      if (!isDefaultCollection(parent) && !parentKv) {
        throw new FailedPreconditionError(`the parent collection ${parent} does not exist; create it first`, {
          detail: { field: 'path' },
        });
      }
      const txn = new TxnBuilder()
        .expect(keys.collection(path), 0)
        .put(keys.collection(path), encode(record));
      if (parentKv) txn.touch(parentKv);
      return commit(this.ctx.store, txn);
    });
    await this.ctx.afterWrite(revision);
    return { value: { ...record, builtin: false }, revision };
  }

  async delete(path: string): Promise<{ revision: number }> {
    if (isDefaultCollection(path)) {
      throw new FailedPreconditionError(`collection ${path} is built in and cannot be removed`);
    }
    const { store } = this.ctx;
    const revision = await retrying('remove the collection', async () => {
      const kv = await store.get(keys.collection(path));
      if (!kv) throw new NotFoundError(`collection ${path} does not exist`);
      const [children, grants] = await Promise.all([
        store.range(keys.descendants(path), { limit: 1 }),
        store.range(keys.grants),
      ]);
      const child = children.kvs[0];
      if (child) {
        throw new FailedPreconditionError(
          `collection ${path} has children (${decode(collectionSchema, child).path}); remove them first`,
        );
      }
      const used = grants.kvs.filter((g) => decode(grantSchema, g).collection === path).length;
      if (used > 0) {
        throw new FailedPreconditionError(`collection ${path} has ${used} grant(s); remove them first`);
      }
      return commit(store, new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key));
    });
    return settled(this.ctx, revision);
  }
}
