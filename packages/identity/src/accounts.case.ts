/** Users, orgs, teams and membership, and their behaviour under concurrent writes (run through `identity.case.ts`). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isAlreadyExists, isInvalidArgument, isNotFound } from '@stevedore/errors';
import { failure, PASSWORD, type Setup } from './case-helpers.js';
import { identityKeys } from './keys.js';

export function accountCases(setup: Setup): void {
  it('creates, reads, updates, lists and removes users, with name rules', async () => {
    const { store, identity } = await setup();
    const { value: alice, revision } = await identity.users.create({
      name: 'alice',
      password: PASSWORD,
      fullName: 'Alice',
    });
    assert.ok(revision > 0);
    assert.deepEqual(
      { ...alice, createdAt: undefined },
      {
        name: 'alice',
        fullName: 'Alice',
        admin: false,
        active: true,
        createdAt: undefined,
        defaultCollection: '/Shared/Private/alice',
        source: 'local',
      },
    );
    assert.equal(JSON.stringify(await identity.users.get('alice')).includes('hash'), false);
    await assert.rejects(identity.users.create({ name: 'alice', password: PASSWORD }), isAlreadyExists);
    for (const bad of ['', 'Alice', '-x', '.x', 'a/b', 'a b', 'x'.repeat(65)]) {
      const err = await failure(identity.users.create({ name: bad, password: PASSWORD }));
      assert.ok(isInvalidArgument(err), bad);
      assert.equal(err.detail?.field, 'name');
    }
    for (const good of ['b', '0day', 'a.b_c-1', 'y'.repeat(64)])
      await identity.users.create({ name: good, password: PASSWORD });
    const short = await failure(identity.users.create({ name: 'carol', password: 'short' }));
    assert.ok(
      isInvalidArgument(short) && short.detail?.field === 'password' && /at least 8/.test(short.message),
    );
    await assert.rejects(identity.users.create({ name: 'carol' }), isInvalidArgument);
    await identity.users.create({ name: 'dave', source: 'ldap' });

    const updated = await identity.users.update('alice', { admin: true, fullName: 'Alice A.' });
    assert.equal(updated.value.admin, true);
    assert.deepEqual(
      (await identity.users.list()).items.map((u) => u.name),
      ['0day', 'a.b_c-1', 'alice', 'b', 'dave', 'y'.repeat(64)],
    );
    const page = await identity.users.list({ limit: 2 });
    assert.equal(page.more, true);
    assert.deepEqual(
      (await identity.users.list({ after: page.items[1]!.name, limit: 1 })).items.map((u) => u.name),
      ['alice'],
    );
    await identity.users.delete('alice');
    await assert.rejects(identity.users.get('alice'), isNotFound);
    assert.equal(await store.get(identityKeys.password('alice')), undefined);
    await store.close();
  });

  it('keeps org and user names apart, teams in one org, and membership rules', async () => {
    const { store, identity } = await setup();
    await identity.users.create({ name: 'bob', password: PASSWORD });
    await identity.users.create({ name: 'eve', password: PASSWORD });
    await identity.orgs.create({ name: 'eng' });
    await assert.rejects(identity.orgs.create({ name: 'bob' }), isAlreadyExists);
    await assert.rejects(identity.users.create({ name: 'eng', password: PASSWORD }), isAlreadyExists);
    await assert.rejects(identity.teams.create('nope', { name: 'dev' }), isNotFound);
    await identity.teams.create('eng', { name: 'dev' });
    await identity.teams.create('eng', { name: 'ops' });
    await assert.rejects(identity.teams.create('eng', { name: 'dev' }), isAlreadyExists);

    await identity.members.addToTeam('eng', 'dev', 'bob');
    await identity.members.addToTeam('eng', 'ops', 'bob');
    await identity.members.addToTeam('eng', 'dev', 'bob'); // idempotent
    await identity.members.addToOrg('eng', 'eve');
    assert.deepEqual(
      (await identity.members.listOrgMembers('eng')).map((m) => m.user),
      ['bob', 'eve'],
    );
    assert.deepEqual(await identity.members.of('bob'), { orgs: ['eng'], teams: ['eng/dev', 'eng/ops'] });
    await assert.rejects(identity.members.addToTeam('eng', 'dev', 'nobody'), isNotFound);

    await identity.members.removeFromOrg('eng', 'bob');
    assert.deepEqual(await identity.members.of('bob'), { orgs: [], teams: [] });
    await assert.rejects(identity.members.removeFromTeam('eng', 'dev', 'bob'), isNotFound);

    await identity.members.addToTeam('eng', 'dev', 'eve');
    await identity.teams.delete('eng', 'dev');
    assert.deepEqual(await identity.members.of('eve'), { orgs: ['eng'], teams: [] });
    await identity.members.addToTeam('eng', 'ops', 'eve');
    await identity.orgs.delete('eng');
    assert.deepEqual(await identity.members.of('eve'), { orgs: [], teams: [] });
    assert.equal((await store.range('/iam/teams/')).kvs.length, 0);
    await store.close();
  });

  it('lets exactly one of two concurrent creates of a name win', async () => {
    const { store, identity } = await setup();
    const results = await Promise.allSettled([
      identity.users.create({ name: 'twin', password: PASSWORD }),
      identity.users.create({ name: 'twin', password: PASSWORD }),
      identity.orgs.create({ name: 'twin' }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(isAlreadyExists(r.reason));
    await store.close();
  });

  it('never leaves a member behind in a team removed at the same moment', async () => {
    const { store, identity } = await setup();
    await identity.orgs.create({ name: 'eng' });
    for (const user of ['u1', 'u2', 'u3']) await identity.users.create({ name: user, password: PASSWORD });
    for (let round = 0; round < 5; round++) {
      await identity.teams.create('eng', { name: 'dev' });
      await Promise.allSettled([
        identity.members.addToTeam('eng', 'dev', 'u1'),
        identity.teams.delete('eng', 'dev'),
        identity.members.addToTeam('eng', 'dev', 'u2'),
        identity.members.addToTeam('eng', 'dev', 'u3'),
      ]);
      assert.equal(await store.get(identityKeys.team('eng', 'dev')), undefined);
      assert.deepEqual((await store.range(identityKeys.teamMembers('eng', 'dev'))).kvs, []);
    }
    await store.close();
  });
}
