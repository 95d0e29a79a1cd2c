/**
 * The repositories behaviour every Store implementation must show; memory.test.ts and sqlite.test.ts run
 * it. Accounts come from a real identity service over the same Store, with this package's hooks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isAlreadyExists,
  isFailedPrecondition,
  isInvalidArgument,
  isNotFound,
  isPermissionDenied,
  type StevedoreError,
} from '@stevedore/errors';
import { combineHooks, createIdentity } from '@stevedore/identity';
import { keys as registryKeys } from '@stevedore/registry-core';
import type { Store } from '@stevedore/store';
import { storeRepositoryContent } from './content.js';
import { createRepositories } from './index.js';
import { repositoryKeys } from './keys.js';
import type { RegistrySubject } from './subject.js';

const PASSWORD = 'correct horse';
const u = (name: string): RegistrySubject => ({ kind: 'user', name });
const alice = u('alice');
const bob = u('bob');
const root = u('root');
const olga = u('olga');
const dana = u('dana');
const anonymous: RegistrySubject = { kind: 'anonymous' };

async function failure(p: Promise<unknown>): Promise<StevedoreError> {
  try {
    await p;
  } catch (err) {
    return err as StevedoreError;
  }
  assert.fail('expected a rejection');
}

const sorted = (actions: ReadonlySet<string>) => [...actions].sort().join(' ');

export function runRepositoryCases(name: string, open: () => Promise<Store>): void {
  const setup = async () => {
    const store = await open();
    const repositories = createRepositories(store);
    const identity = createIdentity(store, {
      kdf: { log2N: 10, r: 8, p: 1 },
      hooks: combineHooks(repositories.identityHooks),
    });
    for (const user of ['alice', 'bob', 'olga', 'dana'])
      await identity.users.create({ name: user, password: PASSWORD });
    await identity.users.create({ name: 'root', password: PASSWORD, admin: true });
    await identity.orgs.create({ name: 'acme' });
    await identity.members.addToOrg('acme', 'olga', { admin: true });
    await identity.teams.create('acme', { name: 'dev' });
    await identity.members.addToTeam('acme', 'dev', 'dana');
    return { store, identity, repositories, ...repositories };
  };

  describe(`repositories on ${name}`, () => {
    it('creates where the caller may, with the name grammar, and nowhere else', async () => {
      const { store, service } = await setup();
      const created = await service.create(alice, {
        namespace: 'alice',
        name: 'tools/cli',
        description: 'CLI',
      });
      assert.deepEqual(
        { ...created, createdAt: '' },
        {
          namespace: 'alice',
          name: 'tools/cli',
          path: 'alice/tools/cli',
          visibility: 'private',
          description: 'CLI',
          createdAt: '',
          createdBy: 'alice',
          actions: ['pull', 'push', 'delete'],
        },
      );
      await service.create(olga, { namespace: 'acme', name: 'app', visibility: 'public' });
      await service.create(root, { namespace: 'bob', name: 'made-by-admin' });
      const before = (await store.range(repositoryKeys.repositories)).kvs.length;
      const refusals: [RegistrySubject, Record<string, unknown>, (e: unknown) => boolean, string?][] = [
        [bob, { namespace: 'alice', name: 'mine' }, isNotFound, 'namespace'], // not told alice exists
        [dana, { namespace: 'acme', name: 'web' }, isPermissionDenied], // a member, not an org admin
        [alice, { namespace: 'ghost', name: 'x' }, isNotFound, 'namespace'],
        [alice, { namespace: 'alice', name: 'tools/cli' }, isAlreadyExists, 'name'],
        [alice, { namespace: 'alice', name: 'Upper' }, isInvalidArgument, 'name'],
        [alice, { namespace: 'alice', name: 'a//b' }, isInvalidArgument, 'name'],
        [alice, { namespace: 'alice', name: '' }, isInvalidArgument, 'name'],
        [alice, { namespace: 'alice', name: 'x'.repeat(250) }, isInvalidArgument, 'name'],
        [alice, { namespace: 'Alice', name: 'x' }, isInvalidArgument, 'namespace'],
        [alice, { namespace: 'alice', name: 'x', visibility: 'internal' }, isInvalidArgument, 'visibility'],
      ];
      for (const [who, input, is, field] of refusals) {
        const err = await failure(service.create(who, input as never));
        assert.ok(is(err), `${JSON.stringify(input)}: ${err.message}`);
        if (field) assert.equal(err.detail?.field, field, JSON.stringify(input));
      }
      assert.equal((await store.range(repositoryKeys.repositories)).kvs.length, before);
      await store.close();
    });

    it('hides what the caller may not see exactly as what does not exist', async () => {
      const { store, service } = await setup();
      await service.create(alice, { namespace: 'alice', name: 'secret' });
      await service.create(alice, { namespace: 'alice', name: 'open', visibility: 'public' });
      const hidden = await failure(service.get(bob, 'alice', 'secret'));
      const missing = await failure(service.get(bob, 'alice', 'nothing-here'));
      assert.ok(isNotFound(hidden) && isNotFound(missing));
      assert.equal(hidden.message.replace('secret', 'X'), missing.message.replace('nothing-here', 'X'));
      assert.deepEqual((await service.get(bob, 'alice', 'open')).actions, ['pull']);
      await assert.rejects(service.update(bob, 'alice', 'secret', { visibility: 'public' }), isNotFound);
      await assert.rejects(service.update(bob, 'alice', 'open', { description: 'mine' }), isPermissionDenied);
      await assert.rejects(service.delete(bob, 'alice', 'secret'), isNotFound);
      assert.equal((await service.get(alice, 'alice', 'secret')).visibility, 'private');
      assert.deepEqual((await service.get(root, 'alice', 'secret')).actions, ['pull', 'push', 'delete']);

      const updated = await service.update(alice, 'alice', 'secret', {
        visibility: 'public',
        description: 'now open',
      });
      assert.equal(updated.visibility, 'public');
      assert.equal((await service.get(bob, 'alice', 'secret')).description, 'now open');
      await service.delete(alice, 'alice', 'secret');
      await assert.rejects(service.get(alice, 'alice', 'secret'), isNotFound);
      await store.close();
    });

    it('lists only what the caller may see, by namespace, searched and paged', async () => {
      const { store, service } = await setup();
      for (const n of ['a', 'b/one', 'b/two', 'c'])
        await service.create(alice, { namespace: 'alice', name: n });
      await service.create(alice, { namespace: 'alice', name: 'shared', visibility: 'public' });
      await service.create(olga, { namespace: 'acme', name: 'app' });
      const paths = async (who: RegistrySubject, options = {}) =>
        (await service.list(who, options)).items.map((r) => r.path);
      assert.deepEqual(await paths(alice), [
        'alice/a',
        'alice/b/one',
        'alice/b/two',
        'alice/c',
        'alice/shared',
      ]);
      assert.deepEqual(await paths(bob), ['alice/shared']);
      assert.deepEqual(await paths(olga), ['acme/app', 'alice/shared']);
      assert.equal((await paths(root)).length, 6);
      assert.deepEqual(await paths(root, { namespace: 'acme' }), ['acme/app']);
      assert.deepEqual(await paths(alice, { search: 'B/' }), ['alice/b/one', 'alice/b/two']);
      const first = await service.list(alice, { limit: 2 });
      assert.equal(first.next, 'alice/b/one');
      const second = await service.list(alice, { limit: 2, after: first.next });
      assert.deepEqual(
        second.items.map((r) => r.path),
        ['alice/b/two', 'alice/c'],
      );
      const last = await service.list(alice, { limit: 2, after: second.next! });
      assert.deepEqual([last.items.map((r) => r.path), last.next], [['alice/shared'], null]);
      await store.close();
    });

    it('gives teams access per repository and namespace-wide; a removed team takes its access along', async () => {
      const { store, identity, service, permissions, authorizer } = await setup();
      await service.create(olga, { namespace: 'acme', name: 'app' });
      assert.equal(sorted(await authorizer.actions(dana, 'acme/app')), '');
      await assert.rejects(service.get(dana, 'acme', 'app'), isNotFound);
      await permissions.putTeam(olga, 'acme', 'app', 'dev', 'read-write');
      assert.equal(sorted(await authorizer.actions(dana, 'acme/app')), 'pull push');
      assert.deepEqual(await permissions.listTeams(dana, 'acme', 'app'), [
        { team: 'dev', access: 'read-write' },
      ]);
      // A read-write member sees it but may not change its permissions.
      await assert.rejects(permissions.putTeam(dana, 'acme', 'app', 'dev', 'admin'), isPermissionDenied);
      const unknown = await failure(permissions.putTeam(olga, 'acme', 'app', 'nope', 'admin'));
      assert.ok(isNotFound(unknown) && unknown.detail?.field === 'team');
      await assert.rejects(
        permissions.putTeam(olga, 'acme', 'app', 'dev', 'write' as never),
        isInvalidArgument,
      );
      await service.create(alice, { namespace: 'alice', name: 'solo' });
      await assert.rejects(permissions.putTeam(alice, 'alice', 'solo', 'dev', 'admin'), isFailedPrecondition);

      await permissions.updateNamespace(olga, 'acme', { teams: { dev: 'admin' } });
      assert.equal(sorted(await authorizer.actions(dana, 'acme/app')), 'delete pull push');
      await assert.rejects(
        permissions.updateNamespace(dana, 'acme', { createOnPush: true }),
        isPermissionDenied,
      );
      await assert.rejects(permissions.getNamespace(bob, 'acme'), isNotFound);
      assert.deepEqual(await permissions.getNamespace(dana, 'acme'), {
        namespace: 'acme',
        kind: 'org',
        createOnPush: false,
        teams: [{ team: 'dev', access: 'admin' }],
        canManage: false,
      });
      await permissions.updateNamespace(olga, 'acme', { teams: { dev: null } });
      await permissions.deleteTeam(olga, 'acme', 'app', 'dev');
      await assert.rejects(permissions.getTeam(olga, 'acme', 'app', 'dev'), isNotFound);

      await permissions.putTeam(olga, 'acme', 'app', 'dev', 'read-only');
      await permissions.updateNamespace(olga, 'acme', { teams: { dev: 'read-write' } });
      await identity.teams.delete('acme', 'dev');
      await identity.teams.create('acme', { name: 'dev' });
      await identity.members.addToTeam('acme', 'dev', 'dana');
      assert.equal(sorted(await authorizer.actions(dana, 'acme/app')), '');
      assert.deepEqual(await permissions.listTeams(olga, 'acme', 'app'), []);
      assert.deepEqual((await permissions.getNamespace(olga, 'acme')).teams, []);
      await store.close();
    });

    it('creates on push where allowed, once under concurrent pushes', async () => {
      const { store, identity, authorizer, permissions, service } = await setup();
      const pushes = await Promise.all([1, 2, 3].map(() => authorizer.ensureOnPush('alice/new/app', alice)));
      assert.equal(pushes.filter((p) => p.created).length, 1);
      assert.equal((await service.get(alice, 'alice', 'new/app')).visibility, 'private');
      await assert.rejects(authorizer.ensureOnPush('alice/other', bob), isNotFound);
      await assert.rejects(authorizer.ensureOnPush('acme/pushed', dana), isNotFound);
      await permissions.updateNamespace(olga, 'acme', { createOnPush: true, teams: { dev: 'read-write' } });
      assert.equal(sorted(await authorizer.actions(dana, 'acme/pushed')), 'pull push');
      const made = await authorizer.ensureOnPush('acme/pushed', dana);
      assert.deepEqual([made.created, made.repository.createdBy], [true, 'dana']);

      await identity.serviceAccounts.create('acme', {
        name: 'ci',
        repositories: [{ name: 'built', access: 'read-write' }],
      });
      const ci: RegistrySubject = { kind: 'service-account', org: 'acme', name: 'ci' };
      const byRobot = await authorizer.ensureOnPush('acme/built', ci);
      assert.deepEqual([byRobot.created, byRobot.repository.createdBy], [true, 'acme+ci']);
      assert.equal(sorted(await authorizer.actions(ci, 'acme/pushed')), '');
      assert.equal(sorted(await authorizer.actions(ci, 'acme/built')), 'pull push');
      await assert.rejects(authorizer.ensureOnPush('acme/elsewhere', ci), isNotFound);
      await identity.serviceAccounts.delete('acme', 'ci');
      assert.equal(sorted(await authorizer.actions(ci, 'acme/built')), '');
      await store.close();
    });

    it('filters the catalog per subject, with anonymous pull as a cluster setting', async () => {
      const { store, identity, service, settings, authorizer } = await setup();
      await service.create(alice, { namespace: 'alice', name: 'private' });
      await service.create(alice, { namespace: 'alice', name: 'public', visibility: 'public' });
      await service.create(olga, { namespace: 'acme', name: 'app' });
      const catalog = ['acme/app', 'alice/private', 'alice/public', 'alice/unrecorded', 'bob/x', 'plain'];
      const visibleTo = async (who: RegistrySubject) => catalog.filter(await authorizer.pullFilter(who));
      assert.deepEqual(await visibleTo(alice), ['alice/private', 'alice/public', 'alice/unrecorded']);
      assert.deepEqual(await visibleTo(bob), ['alice/public', 'bob/x']); // his own namespace
      assert.deepEqual(await visibleTo(olga), ['acme/app', 'alice/public']);
      assert.deepEqual(await visibleTo(root), catalog);
      assert.deepEqual(await visibleTo(anonymous), []);
      assert.equal(sorted(await authorizer.actions(anonymous, 'alice/public')), '');
      assert.deepEqual(await settings.get(), { anonymousPull: false });
      await settings.set({ anonymousPull: true });
      assert.deepEqual(await visibleTo(anonymous), ['alice/public']);
      assert.equal(sorted(await authorizer.actions(anonymous, 'alice/public')), 'pull');
      await identity.users.update('alice', { active: false });
      assert.deepEqual(await visibleTo(alice), []);
      assert.equal(sorted(await authorizer.actions(alice, 'alice/private')), '');
      assert.equal(sorted(await authorizer.actions(u('No/Such'), 'alice/public')), '');
      await store.close();
    });

    it('refuses to remove an account that owns repositories; an org takes its settings along', async () => {
      const { store, identity, service, permissions } = await setup();
      await service.create(alice, { namespace: 'alice', name: 'app' });
      await service.create(olga, { namespace: 'acme', name: 'app' });
      await permissions.updateNamespace(olga, 'acme', { createOnPush: true });
      const user = await failure(identity.users.delete('alice'));
      assert.ok(isFailedPrecondition(user) && /alice\/app/.test(user.message));
      await assert.rejects(identity.orgs.delete('acme'), isFailedPrecondition);
      assert.equal((await identity.users.get('alice')).name, 'alice');
      await service.delete(olga, 'acme', 'app');
      await identity.orgs.delete('acme');
      assert.equal(await store.get(repositoryKeys.namespace('acme')), undefined);
      await identity.orgs.create({ name: 'acme' });
      assert.equal((await permissions.getNamespace(root, 'acme')).createOnPush, false);
      await store.close();
    });

    it('never lets a repository slip past the removal of its namespace', async () => {
      const { store, identity, service } = await setup();
      for (let round = 0; round < 4; round++) {
        await identity.orgs.create({ name: `org${round}` });
        const results = await Promise.allSettled([
          service.create(root, { namespace: `org${round}`, name: 'app' }),
          identity.orgs.delete(`org${round}`),
        ]);
        const orgLeft = (await store.get(`/iam/orgs/org${round}`)) !== undefined;
        const repoLeft = (await store.get(repositoryKeys.repository(`org${round}`, 'app'))) !== undefined;
        // Either the repository exists and the org stayed, or neither exists.
        assert.equal(repoLeft, orgLeft, JSON.stringify(results.map((r) => r.status)));
      }
      await store.close();
    });

    it('reads and deletes tags from the registry content', async () => {
      const { store } = await setup();
      const content = storeRepositoryContent(store);
      const tag = {
        digest: `sha256:${'a'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 7,
      };
      await store.put(registryKeys.tag('acme/app', 'v1'), JSON.stringify(tag));
      await store.put(
        registryKeys.tag('acme/app', 'v2'),
        JSON.stringify({ ...tag, pushedBy: 'dana', pushedAt: '2026-01-01T00:00:00Z' }),
      );
      await store.put(registryKeys.tag('acme/app/web', 'v9'), JSON.stringify(tag));
      assert.deepEqual(await content.listTags('acme/app'), [
        { tag: 'v1', ...tag },
        { tag: 'v2', ...tag, pushedAt: '2026-01-01T00:00:00Z', pushedBy: 'dana' },
      ]);
      await content.deleteTag('acme/app', 'v1');
      assert.deepEqual(
        (await content.listTags('acme/app')).map((t) => t.tag),
        ['v2'],
      );
      await assert.rejects(content.deleteTag('acme/app', 'v1'), isNotFound);
      await assert.rejects(content.deleteTag('acme/app', '../x'), isNotFound);
      await store.close();
    });
  });
}
