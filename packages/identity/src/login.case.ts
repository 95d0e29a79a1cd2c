/** Login, throttling, sessions and access tokens (run through `identity.case.ts`). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isResourceExhausted, isUnauthenticated } from '@stevedore/errors';
import { createIdentity } from './identity.js';
import { failure, HOUR, fakeClock, PASSWORD, TEST_KDF, type Setup } from './case-helpers.js';
import { identityKeys } from './keys.js';

export function loginCases(setup: Setup): void {
  it('logs in, authenticates and logs out; failures look alike whatever went wrong', async () => {
    const { store, identity } = await setup();
    await identity.users.create({ name: 'alice', password: PASSWORD });
    await identity.users.create({ name: 'ivan', password: PASSWORD, active: false });
    const login = await identity.login('Alice', PASSWORD, { remoteAddress: '10.0.0.1' });
    assert.equal(login.username, 'alice');
    assert.equal(Date.parse(login.expiresAt), fakeClock().now() + 72 * HOUR);
    const who = await identity.authenticate(login.token);
    assert.equal(who.user.name, 'alice');
    assert.equal(who.via, 'session');
    const stored = (await store.range('/auth/sessions/')).kvs;
    assert.equal(stored.length, 1);
    assert.ok(!stored[0]!.key.includes(login.token) && !stored[0]!.value.includes(login.token));

    const errors = await Promise.all([
      failure(identity.login('nobody', PASSWORD)),
      failure(identity.login('alice', 'wrong password')),
      failure(identity.login('ivan', PASSWORD)),
    ]);
    for (const err of errors) assert.ok(isUnauthenticated(err));
    assert.deepEqual(new Set(errors.map((e) => `${e.code} ${e.message}`)).size, 1);

    await identity.logout(login.token);
    await assert.rejects(identity.authenticate(login.token), isUnauthenticated);
    await assert.rejects(identity.authenticate('garbage'), isUnauthenticated);
    await store.close();
  });

  it('throttles failed logins per user and per address, with Retry-After', async () => {
    const { store, clock, identity } = await setup();
    await identity.users.create({ name: 'alice', password: PASSWORD });
    for (let i = 0; i < 5; i++)
      await assert.rejects(identity.login('alice', 'wrong password'), isUnauthenticated);
    const locked = await failure(identity.login('alice', PASSWORD));
    assert.ok(isResourceExhausted(locked));
    assert.equal(locked.detail?.retryAfterSeconds, 30);
    clock.advance(30_000);
    for (let i = 0; i < 5; i++)
      await assert.rejects(identity.login('alice', 'wrong password'), isUnauthenticated);
    assert.equal((await failure(identity.login('alice', PASSWORD))).detail?.retryAfterSeconds, 60); // doubled
    clock.advance(60_000);
    await identity.login('alice', PASSWORD); // success resets the user's record
    for (let i = 0; i < 4; i++)
      await assert.rejects(identity.login('alice', 'wrong password'), isUnauthenticated);
    await identity.login('alice', PASSWORD);

    // One address guessing at many names is locked out by address, for every name.
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        identity.login(`guess${i}`, 'whatever1', { remoteAddress: '192.0.2.9' }),
        isUnauthenticated,
      );
    }
    await assert.rejects(
      identity.login('alice', PASSWORD, { remoteAddress: '192.0.2.9' }),
      isResourceExhausted,
    );
    await identity.login('alice', PASSWORD, { remoteAddress: '192.0.2.10' });
    await store.close();
  });

  it('shares lockouts and sessions between controllers on one Store, and forgets quiet keys', async () => {
    const { store, clock, identity: first } = await setup();
    // A second controller: its own Identity (own throttle, own caches) over the same Store and clock.
    const second = createIdentity(store, { kdf: TEST_KDF, now: clock.now });
    await first.users.create({ name: 'alice', password: PASSWORD });
    for (let i = 0; i < 5; i++) {
      const through = i % 2 === 0 ? first : second;
      await assert.rejects(through.login('alice', 'wrong password'), isUnauthenticated);
    }
    for (const through of [first, second]) {
      const locked = await failure(through.login('alice', PASSWORD));
      assert.ok(isResourceExhausted(locked));
      assert.equal(locked.detail?.retryAfterSeconds, 30);
    }
    const stored = (await store.range('/auth/throttle/')).kvs;
    assert.equal(stored.length, 1);
    assert.ok(!stored[0]!.key.includes('alice') && !stored[0]!.value.includes('alice'));

    clock.advance(30_000);
    const session = await second.login('alice', PASSWORD);
    assert.equal((await first.authenticate(session.token)).user.name, 'alice');
    await first.logout(session.token);
    await assert.rejects(second.authenticate(session.token), isUnauthenticated);

    // Failures that went quiet for a window plus the longest lockout are swept away.
    await assert.rejects(second.login('bob', 'whatever1', { remoteAddress: '192.0.2.7' }), isUnauthenticated);
    assert.equal((await store.range('/auth/throttle/')).kvs.length, 2);
    clock.advance((300 + 900) * 1000 + 1);
    await assert.rejects(first.login('bob', 'whatever1'), isUnauthenticated); // a fresh record for bob
    const quiet = await second.sweepLoginThrottle();
    assert.equal(quiet, 1); // the address; bob's record is new
    assert.equal((await store.range('/auth/throttle/')).kvs.length, 1);
    await store.close();
  });

  it('expires sessions after 72 hours unless used near the end, and keeps at most 5 per user', async () => {
    const { store, clock, identity } = await setup();
    await identity.users.create({ name: 'alice', password: PASSWORD });
    const renewed = await identity.login('alice', PASSWORD);
    const idle = await identity.login('alice', PASSWORD);
    clock.advance(47 * HOUR); // 25 h left: not yet within the 24 h renewal threshold
    const early = await identity.authenticate(renewed.token);
    assert.equal(early.via === 'session' && early.expiresAt, renewed.expiresAt);
    clock.advance(2 * HOUR); // 23 h left: renewed to a full 72 h from now
    const late = await identity.authenticate(renewed.token);
    assert.equal(late.via === 'session' && Date.parse(late.expiresAt), clock.now() + 72 * HOUR);
    clock.advance(24 * HOUR); // past the original end
    await identity.authenticate(renewed.token);
    await assert.rejects(identity.authenticate(idle.token), isUnauthenticated);

    const tokens = [];
    for (let i = 0; i < 6; i++) tokens.push((await identity.login('alice', PASSWORD)).token);
    await assert.rejects(identity.authenticate(renewed.token), isUnauthenticated); // oldest, dropped
    for (const t of tokens.slice(1)) await identity.authenticate(t);
    await assert.rejects(identity.authenticate(tokens[0]!), isUnauthenticated);
    await store.close();
  });

  it('issues, lists and revokes access tokens; refuses inactive and removed users', async () => {
    const { store, identity } = await setup();
    await identity.users.create({ name: 'ci', password: PASSWORD });
    const created = await identity.tokens.create('ci', { label: 'deploy' });
    assert.match(created.token, /^sdt_/);
    const listed = await identity.tokens.list('ci');
    assert.deepEqual(listed, [
      { id: created.id, label: 'deploy', createdAt: created.createdAt, scope: 'all' },
    ]);
    const who = await identity.authenticate(created.token);
    assert.equal(who.via === 'access-token' && who.tokenId, created.id);
    assert.ok(!JSON.stringify((await store.range('/auth/')).kvs).includes(created.token));

    const session = await identity.login('ci', PASSWORD);
    await identity.users.update('ci', { active: false });
    await assert.rejects(identity.authenticate(created.token), isUnauthenticated);
    await assert.rejects(identity.authenticate(session.token), isUnauthenticated);
    await identity.users.update('ci', { active: true });
    await identity.tokens.revoke('ci', created.id);
    await assert.rejects(identity.authenticate(created.token), isUnauthenticated);
    assert.deepEqual(await identity.tokens.list('ci'), []);

    const second = await identity.tokens.create('ci', { label: 'other' });
    await identity.users.delete('ci');
    await identity.users.create({ name: 'ci', password: PASSWORD });
    await assert.rejects(identity.authenticate(second.token), isUnauthenticated);
    await assert.rejects(identity.authenticate(session.token), isUnauthenticated);
    assert.equal((await store.range('/auth/tokens/')).kvs.length, 0);
    await store.close();
  });

  it('re-hashes a password made with older parameters at the next login', async () => {
    const { store, identity } = await setup();
    await identity.users.create({ name: 'alice', password: PASSWORD });
    const before = (await store.get(identityKeys.password('alice')))!.value;
    const stronger = createIdentity(store, { kdf: { ...TEST_KDF, log2N: 11 } });
    await stronger.login('alice', PASSWORD);
    const after = (await store.get(identityKeys.password('alice')))!.value;
    assert.match(before, /ln=10/);
    assert.match(after, /ln=11/);
    await stronger.login('alice', PASSWORD);
    await store.close();
  });
}
