/**
 * Credentials for machines and the registry (run through `identity.case.ts`): org admins, token expiry,
 * scope and last use, service accounts and their tokens, and `verifyCredentials`.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isAlreadyExists,
  isInvalidArgument,
  isNotFound,
  isResourceExhausted,
  isUnauthenticated,
} from '@stevedore/errors';
import { failure, HOUR, PASSWORD, type Setup } from './case-helpers.js';
import { identityKeys, parseIdentityKey } from './keys.js';

const DAY = 24 * HOUR;

export function credentialCases(setup: Setup): void {
  it('keeps an admin flag on org memberships, with PUT semantics', async () => {
    const { store, identity } = await setup();
    await identity.orgs.create({ name: 'acme' });
    for (const u of ['alice', 'bob', 'carol']) await identity.users.create({ name: u, password: PASSWORD });
    await identity.members.addToOrg('acme', 'alice', { admin: true });
    await identity.members.addToOrg('acme', 'bob');
    await identity.teams.create('acme', { name: 'dev' });
    await identity.members.addToTeam('acme', 'dev', 'carol');
    // A record written before the flag existed reads as a plain member.
    await store.put(identityKeys.orgMember('acme', 'carol'), JSON.stringify({ addedAt: 'then' }));
    assert.deepEqual(await identity.members.listOrgMembers('acme'), [
      { user: 'alice', admin: true },
      { user: 'bob', admin: false },
      { user: 'carol', admin: false },
    ]);
    await identity.members.addToOrg('acme', 'alice'); // no flag: kept
    await identity.members.addToOrg('acme', 'bob', { admin: true });
    await identity.members.addToOrg('acme', 'alice', { admin: false });
    await identity.members.addToTeam('acme', 'dev', 'bob'); // a team add leaves the flag alone
    assert.deepEqual(
      (await identity.members.listOrgMembers('acme')).map((m) => `${m.user}:${m.admin}`),
      ['alice:false', 'bob:true', 'carol:false'],
    );
    await store.close();
  });

  it('expires access tokens, limits them to the registry, and records their last use once a minute', async () => {
    const { store, clock, identity } = await setup();
    await identity.users.create({ name: 'ci', password: PASSWORD });
    const now = clock.now();
    for (const bad of [
      new Date(now - 1000).toISOString(),
      new Date(now + 367 * DAY).toISOString(),
      'tomorrow',
    ]) {
      const err = await failure(identity.tokens.create('ci', { label: 'x', expiresAt: bad }));
      assert.ok(isInvalidArgument(err) && err.detail?.field === 'expiresAt', bad);
    }
    const scoped = await failure(
      identity.tokens.create('ci', { label: 'x', scope: 'nope' as unknown as 'all' }),
    );
    assert.equal(scoped.detail?.field, 'scope');
    assert.deepEqual(await identity.tokens.list('ci'), []);

    const expiresAt = new Date(now + 2 * DAY).toISOString();
    const short = await identity.tokens.create('ci', { label: 'short', expiresAt });
    const registry = await identity.tokens.create('ci', { label: 'pull', scope: 'registry' });
    assert.equal(short.scope, 'all');
    assert.equal((await identity.authenticate(short.token)).user.name, 'ci');
    // Registry-only: refused by the REST API with the same error as a bad token; fine for the registry.
    const refused = await failure(identity.authenticate(registry.token));
    const garbage = await failure(identity.authenticate('sdt_garbage'));
    assert.ok(isUnauthenticated(refused));
    assert.equal(refused.message, garbage.message);
    const verified = await identity.verifyCredentials('ci', registry.token);
    assert.equal(verified.kind === 'user' && verified.via, 'access-token');

    const firstUse = new Date(clock.now()).toISOString();
    clock.advance(30_000);
    await identity.authenticate(short.token); // within the minute: not written again
    let listed = await identity.tokens.list('ci');
    const shown = (id: string) => {
      const t = listed.find((x) => x.id === id);
      return t && [t.label, t.scope, t.expiresAt, t.lastUsedAt];
    };
    assert.deepEqual(shown(short.id), ['short', 'all', expiresAt, firstUse]);
    assert.deepEqual(shown(registry.id), ['pull', 'registry', undefined, firstUse]);
    clock.advance(31_000);
    await identity.verifyCredentials('ci', short.token);
    listed = await identity.tokens.list('ci');
    assert.equal(listed.find((t) => t.id === short.id)?.lastUsedAt, new Date(clock.now()).toISOString());

    clock.advance(2 * DAY);
    await assert.rejects(identity.authenticate(short.token), isUnauthenticated);
    await assert.rejects(identity.verifyCredentials('ci', short.token), isUnauthenticated);
    await store.close();
  });

  it('keeps service accounts per org, with tokens only, removed with their org', async () => {
    const { store, identity } = await setup();
    await identity.orgs.create({ name: 'acme' });
    const repositories = [
      { name: 'app/web', access: 'read-write' as const },
      { name: '*', access: 'read-only' as const },
    ];
    await assert.rejects(identity.serviceAccounts.create('nope', { name: 'ci' }), isNotFound);
    const { value: ci } = await identity.serviceAccounts.create('acme', {
      name: 'ci',
      description: 'builds',
      repositories,
    });
    assert.deepEqual(
      { ...ci, createdAt: '' },
      {
        org: 'acme',
        name: 'ci',
        description: 'builds',
        createdAt: '',
        repositories,
      },
    );
    await assert.rejects(identity.serviceAccounts.create('acme', { name: 'ci' }), isAlreadyExists);
    // Stored under /iam/, but not a kind the access model builds from: its watcher skips the key.
    assert.equal(parseIdentityKey(identityKeys.serviceAccount('acme', 'ci')), undefined);
    for (const bad of [
      [{ name: 'App', access: 'read-only' }],
      [{ name: 'a', access: 'write' }],
      [
        { name: 'a', access: 'read-only' },
        { name: 'a', access: 'admin' },
      ],
    ]) {
      const err = await failure(
        identity.serviceAccounts.create('acme', { name: 'x', repositories: bad as never }),
      );
      assert.ok(isInvalidArgument(err) && err.detail?.field === 'repositories', JSON.stringify(bad));
    }
    await assert.rejects(identity.serviceAccounts.create('acme', { name: 'a+b' }), isInvalidArgument);
    const updated = await identity.serviceAccounts.update('acme', 'ci', { repositories: [] });
    assert.deepEqual(updated.value.repositories, []);

    const token = await identity.serviceAccounts.createToken('acme', 'ci', { label: 'jenkins' });
    assert.match(token.token, /^sdt_/);
    assert.equal(token.scope, 'registry');
    assert.deepEqual(
      await identity.verifyCredentials('acme+ci', token.token, { remoteAddress: '10.0.0.9' }),
      { kind: 'service-account', org: 'acme', name: 'ci', tokenId: token.id },
    );
    // Not for the REST API, and not under another name.
    await assert.rejects(identity.authenticate(token.token), isUnauthenticated);
    await assert.rejects(identity.verifyCredentials('acme+other', token.token), isUnauthenticated);
    assert.equal((await identity.serviceAccounts.listTokens('acme', 'ci')).length, 1);
    await identity.serviceAccounts.revokeToken('acme', 'ci', token.id);
    await assert.rejects(identity.verifyCredentials('acme+ci', token.token), isUnauthenticated);

    const second = await identity.serviceAccounts.createToken('acme', 'ci', { label: 'gitlab' });
    await identity.serviceAccounts.delete('acme', 'ci');
    await assert.rejects(identity.verifyCredentials('acme+ci', second.token), isUnauthenticated);
    assert.equal((await store.range('/auth/tokens/')).kvs.length, 0);

    await identity.serviceAccounts.create('acme', { name: 'deploy' });
    const third = await identity.serviceAccounts.createToken('acme', 'deploy', { label: 'x' });
    await identity.orgs.delete('acme');
    await identity.orgs.create({ name: 'acme' });
    await assert.rejects(identity.verifyCredentials('acme+deploy', third.token), isUnauthenticated);
    assert.deepEqual(await identity.serviceAccounts.list('acme'), []);
    assert.equal((await store.range('/auth/')).kvs.length, 0);
    await store.close();
  });

  it('verifies passwords and tokens for the registry without a session, failing alike', async () => {
    const { store, identity } = await setup();
    await identity.users.create({ name: 'alice', password: PASSWORD });
    await identity.users.create({ name: 'bob', password: PASSWORD });
    await identity.users.create({ name: 'ivan', password: PASSWORD, active: false });
    const aliceToken = await identity.tokens.create('alice', { label: 'laptop' });
    assert.deepEqual(await identity.verifyCredentials('Alice', PASSWORD), {
      kind: 'user',
      user: await identity.users.get('alice'),
      via: 'password',
    });
    assert.equal((await identity.verifyCredentials('alice', aliceToken.token)).kind, 'user');
    assert.equal((await store.range('/auth/sessions/')).kvs.length, 0);

    const errors = await Promise.all([
      failure(identity.verifyCredentials('nobody', PASSWORD)),
      failure(identity.verifyCredentials('alice', 'wrong password')),
      failure(identity.verifyCredentials('ivan', PASSWORD)),
      failure(identity.verifyCredentials('bob', aliceToken.token)), // someone else's token
      failure(identity.verifyCredentials('acme+ci', PASSWORD)), // no such service account
      failure(identity.verifyCredentials('alice', 'sdt_unknown')),
    ]);
    for (const err of errors) assert.ok(isUnauthenticated(err));
    assert.equal(new Set(errors.map((e) => `${e.code} ${e.message}`)).size, 1);
    const loginFailure = await failure(identity.login('nobody', PASSWORD));
    assert.equal(loginFailure.message, errors[0].message);
    await store.close();
  });

  it('counts registry password failures against the login throttle, and still takes a valid token', async () => {
    const { store, identity } = await setup();
    await identity.users.create({ name: 'alice', password: PASSWORD });
    const token = await identity.tokens.create('alice', { label: 'ci' });
    for (let i = 0; i < 3; i++)
      await assert.rejects(identity.verifyCredentials('alice', 'wrong password'), isUnauthenticated);
    for (let i = 0; i < 2; i++)
      await assert.rejects(identity.login('alice', 'wrong password'), isUnauthenticated);
    await assert.rejects(identity.login('alice', PASSWORD), isResourceExhausted);
    await assert.rejects(identity.verifyCredentials('alice', PASSWORD), isResourceExhausted);
    assert.equal((await identity.verifyCredentials('alice', token.token)).kind, 'user');
    await store.close();
  });

  it('revokes the refresh tokens of docker login when the password changes, and only those', async () => {
    const { store, identity } = await setup();
    await identity.users.create({ name: 'alice', password: PASSWORD });
    const refresh = await identity.tokens.create('alice', {
      label: 'docker login',
      scope: 'registry',
      refresh: true,
    });
    const ci = await identity.tokens.create('alice', { label: 'ci', scope: 'registry' });
    assert.equal((await identity.verifyCredentials('alice', refresh.token)).kind, 'user');
    await identity.users.setPassword('alice', `${PASSWORD}-new`);
    await assert.rejects(identity.verifyCredentials('alice', refresh.token), isUnauthenticated);
    assert.equal((await identity.verifyCredentials('alice', ci.token)).kind, 'user');
    assert.deepEqual(
      (await identity.tokens.list('alice')).map((t) => t.label),
      ['ci'],
    );
    await store.close();
  });

  it('does not let a dead token lock its owner out: it counts against the address only', async () => {
    const { store, identity } = await setup();
    await identity.users.create({ name: 'alice', password: PASSWORD });
    const revoked = await identity.tokens.create('alice', { label: 'old ci' });
    await identity.tokens.revoke('alice', revoked.id);
    // A CI system still sending the revoked token from its address, more often than the lockout allows.
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        identity.verifyCredentials('alice', revoked.token, { remoteAddress: '10.0.0.9' }),
        (err: Error) => isUnauthenticated(err) && err.message === 'invalid username or password',
      );
    }
    await assert.rejects(
      identity.verifyCredentials('alice', revoked.token, { remoteAddress: '10.0.0.9' }),
      isResourceExhausted,
    );
    // Alice herself, from elsewhere, is not locked out.
    assert.equal((await identity.login('alice', PASSWORD, { remoteAddress: '10.0.0.1' })).username, 'alice');
    await store.close();
  });
}
