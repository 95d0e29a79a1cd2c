/**
 * Access behaviour every Store implementation must show (collections, roles, grants, private collections,
 * and the live model), run by `memory.test.ts` and `sqlite.test.ts`. Writes go through the services with
 * `afterWrite = sync.waitForRevision`, the way the controller wires them, so each assertion right after a
 * write checks that it took effect at once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAlreadyExists, isFailedPrecondition, isInvalidArgument, isNotFound } from '@stevedore/errors';
import { createIdentity } from '@stevedore/identity';
import type { Store } from '@stevedore/store';
import { createAccess } from './access.js';
import { startAccessModelSync } from './model-sync.js';

const kdf = { log2N: 8, r: 8, p: 1 };
const PASSWORD = 'correct horse';

export async function wire(store: Store) {
  const sync = await startAccessModelSync(store);
  const afterWrite = (r: number) => sync.waitForRevision(r);
  const access = createAccess(store, { afterWrite });
  const identity = createIdentity(store, { kdf, hooks: access.identityHooks, afterWrite });
  return { store, sync, access, identity, close: async () => (await sync.close(), await store.close()) };
}

export function runAccessCases(name: string, open: () => Promise<Store>): void {
  describe(`access on ${name}`, () => {
    it('keeps the default collections and the collection tree rules', async () => {
      const { access, identity, close } = await wire(await open());
      const defaults = ['/', '/Shared', '/Shared/Legacy', '/Shared/Private', '/System'];
      assert.deepEqual(
        (await access.collections.list()).map((c) => c.path),
        defaults,
      );
      for (const path of defaults)
        await assert.rejects(access.collections.delete(path), isFailedPrecondition);
      await assert.rejects(access.collections.create('/Shared'), isAlreadyExists);
      await assert.rejects(access.collections.create('/Shared/dev/web'), isFailedPrecondition);
      await assert.rejects(access.collections.create('Shared/x'), isInvalidArgument);
      await access.collections.create('/Shared/dev');
      await access.collections.create('/Shared/dev/web');
      await assert.rejects(access.collections.delete('/Shared/dev'), isFailedPrecondition); // has a child
      await identity.users.create({ name: 'alice', password: PASSWORD });
      const { value: grant } = await access.grants.create({
        subject: { kind: 'user', id: 'alice' },
        roleId: 'view-only',
        collection: '/Shared/dev/web',
      });
      await assert.rejects(access.collections.delete('/Shared/dev/web'), isFailedPrecondition); // has a grant
      await access.grants.delete(grant.id);
      await access.collections.delete('/Shared/dev/web');
      await access.collections.delete('/Shared/dev');
      await assert.rejects(access.collections.get('/Shared/dev'), isNotFound);
      await close();
    });

    it('has read-only built-in roles and custom roles that cannot go while used', async () => {
      const { access, identity, close } = await wire(await open());
      await assert.rejects(access.roles.update('full-control', { operations: [] }), isFailedPrecondition);
      await assert.rejects(access.roles.delete('view-only'), isFailedPrecondition);
      await assert.rejects(access.roles.create({ name: 'View Only', operations: [] }), isAlreadyExists);
      const bad = access.roles.create({ name: 'Ops', operations: ['container.view', 'container.fly'] });
      await assert.rejects(bad, (err) => isInvalidArgument(err) && /container\.fly/.test(String(err)));
      const { value: role } = await access.roles.create({
        name: 'Log Reader',
        operations: ['container.logs'],
      });
      assert.equal(role.id, 'log-reader');
      assert.equal((await access.roles.list()).length, 6);
      await identity.orgs.create({ name: 'eng' });
      const { value: grant } = await access.grants.create({
        subject: { kind: 'org', id: 'eng' },
        roleId: role.id,
        collection: '/Shared',
      });
      await assert.rejects(access.roles.delete(role.id), isFailedPrecondition);
      await access.grants.delete(grant.id);
      await access.roles.delete(role.id);
      await close();
    });

    it('validates grants and removes them with their subject', async () => {
      const { access, identity, close } = await wire(await open());
      await identity.orgs.create({ name: 'eng' });
      await identity.teams.create('eng', { name: 'dev' });
      const input = {
        subject: { kind: 'team', id: 'eng/dev' },
        roleId: 'scheduler',
        collection: '/Shared',
      } as const;
      await assert.rejects(
        access.grants.create({ ...input, subject: { kind: 'team', id: 'eng/nope' } }),
        isNotFound,
      );
      await assert.rejects(access.grants.create({ ...input, roleId: 'nope' }), isNotFound);
      await assert.rejects(access.grants.create({ ...input, collection: '/Shared/nope' }), isNotFound);
      await access.grants.create(input);
      await assert.rejects(access.grants.create(input), isAlreadyExists);
      assert.equal((await access.grants.list({ subject: input.subject })).length, 1);
      await identity.teams.delete('eng', 'dev');
      assert.deepEqual(await access.grants.list({ subject: input.subject }), []);
      await close();
    });

    it('gives each new user a private collection with Restricted Control, in the same commit', async () => {
      const { store, sync, access, identity, close } = await wire(await open());
      const { revision } = await identity.users.create({ name: 'alice', password: PASSWORD });
      assert.deepEqual((await access.collections.get('/Shared/Private/alice')).path, '/Shared/Private/alice');
      const [grant] = await access.grants.list({ subject: { kind: 'user', id: 'alice' } });
      assert.equal(grant?.roleId, 'restricted-control');
      assert.ok(sync.revision >= revision);
      const decide = (operation: string) =>
        sync.authorize({ user: 'alice', operation, collection: '/Shared/Private/alice' });
      assert.equal(decide('container.create').allowed, true);
      assert.equal(decide('container.exec').allowed, false);
      // Idempotent repair for users made without the hooks.
      const bare = createIdentity(store, { kdf });
      await bare.users.create({ name: 'bob', password: PASSWORD });
      await access.createUserCollections('bob');
      await access.createUserCollections('bob');
      assert.equal(
        sync.authorize({ user: 'bob', operation: 'container.view', collection: '/Shared/Private/bob' })
          .allowed,
        true,
      );
      await identity.users.delete('alice');
      assert.deepEqual(await access.grants.list({ subject: { kind: 'user', id: 'alice' } }), []);
      await close();
    });

    it('keeps the model live: a removed member, grant or user is refused by the very next decision', async () => {
      const { sync, access, identity, close } = await wire(await open());
      await identity.users.create({ name: 'bob', password: PASSWORD });
      await identity.orgs.create({ name: 'eng' });
      await identity.teams.create('eng', { name: 'ops' });
      await access.collections.create('/prod');
      const { value: grant } = await access.grants.create({
        subject: { kind: 'team', id: 'eng/ops' },
        roleId: 'full-control',
        collection: '/prod',
      });
      const canExec = () =>
        sync.authorize({ user: 'bob', operation: 'container.exec', collection: '/prod' }).allowed;
      assert.equal(canExec(), false);
      await identity.members.addToTeam('eng', 'ops', 'bob');
      assert.equal(canExec(), true);
      await identity.members.removeFromTeam('eng', 'ops', 'bob');
      assert.equal(canExec(), false);
      await identity.members.addToTeam('eng', 'ops', 'bob');
      assert.equal(canExec(), true);
      await access.grants.delete(grant.id);
      assert.equal(canExec(), false);
      await access.grants.create({
        subject: { kind: 'org', id: 'eng' },
        roleId: 'full-control',
        collection: '/prod',
      });
      assert.equal(canExec(), true);
      await identity.users.update('bob', { active: false });
      assert.equal(canExec(), false);
      await identity.users.update('bob', { active: true });
      await identity.members.removeFromOrg('eng', 'bob');
      assert.equal(canExec(), false);
      await identity.members.addToOrg('eng', 'bob');
      await identity.orgs.delete('eng');
      assert.equal(canExec(), false);
      assert.equal(sync.model.grants.size, 1); // bob's private grant only
      assert.equal(sync.skipped, 0);
      await close();
    });
  });
}
