import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUnavailable } from '@stevedore/errors';
import { createIdentity } from '@stevedore/identity';
import { CompactedError, createMemoryStore, type Store, type Watch, type WatchEvent } from '@stevedore/store';
import { createAccess } from './access.js';
import { startAccessModelSync } from './model-sync.js';

const kdf = { log2N: 8, r: 8, p: 1 };

/** A store whose first watch fails with CompactedError once `release()` is called. */
function compactingOnce(store: Store): { store: Store; release: () => void } {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const failing: Watch = {
    close: () => release(),
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<WatchEvent>> => {
        await gate;
        throw new CompactedError(2, 5);
      },
    }),
  };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'watch') {
        return (prefix: string, options?: { fromRevision?: number }) => {
          if (!first) return target.watch(prefix, options);
          first = false;
          return failing;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: proxy, release: () => release() };
}

describe('access model sync', () => {
  it('loads what is there, then follows writes made elsewhere once waitForRevision resolves', async () => {
    const store = createMemoryStore();
    const access = createAccess(store);
    const identity = createIdentity(store, { kdf, hooks: access.identityHooks });
    await identity.users.create({ name: 'alice', password: 'correct horse' });
    await identity.orgs.create({ name: 'eng' });
    await identity.members.addToOrg('eng', 'alice');
    await access.collections.create('/apps');
    await access.collections.create('/apps/web');
    const { value: grant } = await access.grants.create({
      subject: { kind: 'org', id: 'eng' },
      roleId: 'view-only',
      collection: '/apps',
    });

    const sync = await startAccessModelSync(store);
    const canView = () =>
      sync.authorize({ user: 'alice', operation: 'container.view', collection: '/apps/web' });
    assert.equal(canView().allowed, true);
    assert.equal(canView().allowed && canView().reason, 'grant');

    // Another replica (no afterWrite) removes the grant; the model follows once it has seen the revision.
    const { revision } = await access.grants.delete(grant.id);
    await sync.waitForRevision(revision);
    assert.equal(canView().allowed, false);
    assert.equal(sync.revision >= revision, true);
    await sync.waitForRevision(1); // an old revision resolves at once
    // A revision with no /iam/ change (a session, a registry record) resolves too, through the progress key.
    const elsewhere = await store.put('/registry/repos/app', '{}');
    await sync.waitForRevision(elsewhere.revision);

    await assert.rejects(sync.waitForRevision(revision + 100, 20), isUnavailable);
    await sync.close();
    await store.close();
  });

  it('reloads from a fresh range when its watch reports CompactedError', async () => {
    const memory = createMemoryStore();
    const { store, release } = compactingOnce(memory);
    const access = createAccess(memory);
    const identity = createIdentity(memory, { kdf, hooks: access.identityHooks });
    const errors: unknown[] = [];
    const sync = await startAccessModelSync(store, { onError: (err) => errors.push(err) });

    const { revision } = await identity.users.create({ name: 'bob', password: 'correct horse' });
    const waiting = sync.waitForRevision(revision);
    release();
    await waiting;
    assert.ok(errors[0] instanceof CompactedError);
    assert.equal(
      sync.authorize({ user: 'bob', operation: 'container.view', collection: '/Shared/Private/bob' }).allowed,
      true,
    );

    // And it keeps following after the reload.
    const { revision: r2 } = await identity.users.update('bob', { active: false });
    await sync.waitForRevision(r2);
    assert.equal(
      sync.authorize({ user: 'bob', operation: 'container.view', collection: '/Shared/Private/bob' }).allowed,
      false,
    );
    await sync.close();
    await memory.close();
  });

  it('applies a revision as a whole: a grant written before its subject in one commit still counts', async () => {
    const store = createMemoryStore();
    const sync = await startAccessModelSync(store);
    const grant = {
      id: 'g1',
      subject: { kind: 'user', id: 'carol' },
      roleId: 'view-only',
      collection: '/Shared',
      createdAt: '',
    };
    const user = {
      name: 'carol',
      fullName: '',
      admin: false,
      active: true,
      createdAt: '',
      defaultCollection: '/Shared',
      source: 'local',
    };
    const { revision } = await store.txn({
      compares: [],
      success: [
        { type: 'put', key: '/iam/grants/g1', value: JSON.stringify(grant) },
        { type: 'put', key: '/iam/users/carol', value: JSON.stringify(user) },
      ],
    });
    await sync.waitForRevision(revision);
    assert.equal(
      sync.authorize({ user: 'carol', operation: 'container.view', collection: '/Shared' }).allowed,
      true,
    );
    assert.equal(sync.skipped, 0);
    await sync.close();
    await store.close();
  });
});
