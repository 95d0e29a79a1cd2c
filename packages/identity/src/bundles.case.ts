/** Client bundle records: register, list, revoke, lookup and expiry (run through `identity.case.ts`). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isAlreadyExists, isInvalidArgument, isNotFound } from '@stevedore/errors';
import { failure, HOUR, PASSWORD, type Setup } from './case-helpers.js';
import { identityKeys } from './keys.js';

// Stands in for publicKeyIdOf(certPem): identity only sees the hex digest.
const keyIdOf = (seed: string) => createHash('sha256').update(seed).digest('hex');
const DAY = 24 * HOUR;

export function bundleCases(setup: Setup): void {
  it('registers, lists, looks up and revokes client bundles', async () => {
    const { store, clock, identity } = await setup();
    await identity.users.create({ name: 'alice', password: PASSWORD });
    const expiresAt = new Date(clock.now() + 90 * DAY).toISOString();
    const laptop = await identity.bundles.register('alice', {
      keyId: keyIdOf('laptop'),
      label: 'laptop',
      expiresAt,
    });
    assert.ok(laptop.revision > 0);
    assert.equal(laptop.createdAt, new Date(clock.now()).toISOString());
    const ci = await identity.bundles.register('alice', { keyId: keyIdOf('ci'), label: 'ci', expiresAt });
    const listed = await identity.bundles.list('alice');
    assert.deepEqual(
      [...listed].sort((a, b) => a.label.localeCompare(b.label)).map((b) => [b.id, b.label, b.keyId]),
      [
        [ci.id, 'ci', keyIdOf('ci')],
        [laptop.id, 'laptop', keyIdOf('laptop')],
      ],
    );
    assert.equal(listed[0]!.expiresAt, expiresAt);
    assert.deepEqual(await identity.bundles.lookup(keyIdOf('laptop')), {
      id: laptop.id,
      user: 'alice',
      label: 'laptop',
      keyId: keyIdOf('laptop'),
      createdAt: laptop.createdAt,
      expiresAt,
    });
    assert.equal(await identity.bundles.lookup(keyIdOf('unknown')), undefined);
    assert.equal(await identity.bundles.lookup('../tokens/x'), undefined);

    await identity.bundles.revoke('alice', laptop.id);
    assert.equal(await identity.bundles.lookup(keyIdOf('laptop')), undefined);
    assert.deepEqual(
      (await identity.bundles.list('alice')).map((b) => b.id),
      [ci.id],
    );
    const again = await failure(identity.bundles.revoke('alice', laptop.id));
    assert.ok(isNotFound(again) && again.message.includes(laptop.id));
    await assert.rejects(identity.bundles.revoke('bob', ci.id), isNotFound);
    await store.close();
  });

  it('refuses bundles for unknown users, bad input and a certificate registered twice', async () => {
    const { store, clock, identity } = await setup();
    const expiresAt = new Date(clock.now() + DAY).toISOString();
    await assert.rejects(
      identity.bundles.register('nobody', { keyId: keyIdOf('a'), label: 'x', expiresAt }),
      isNotFound,
    );
    await identity.users.create({ name: 'bob', password: PASSWORD });
    for (const [field, input] of [
      ['label', { keyId: keyIdOf('a'), label: '', expiresAt }],
      ['label', { keyId: keyIdOf('a'), label: 'x'.repeat(101), expiresAt }],
      ['keyId', { keyId: 'a/b', label: 'x', expiresAt }],
      ['expiresAt', { keyId: keyIdOf('a'), label: 'x', expiresAt: 'soon' }],
    ] as const) {
      const err = await failure(identity.bundles.register('bob', input));
      assert.ok(isInvalidArgument(err) && err.detail?.field === field, field);
    }
    await identity.bundles.register('bob', { keyId: keyIdOf('a'), label: 'x', expiresAt });
    await assert.rejects(
      identity.bundles.register('bob', { keyId: keyIdOf('a'), label: 'y', expiresAt }),
      isAlreadyExists,
    );
    assert.equal((await identity.bundles.list('bob')).length, 1);
    await store.close();
  });

  it('stops answering for a bundle once it has expired', async () => {
    const { store, clock, identity } = await setup();
    await identity.users.create({ name: 'carol', password: PASSWORD });
    const expiresAt = new Date(clock.now() + DAY).toISOString();
    await identity.bundles.register('carol', { keyId: keyIdOf('c'), label: 'c', expiresAt });
    clock.advance(DAY - 1);
    assert.equal((await identity.bundles.lookup(keyIdOf('c')))?.user, 'carol');
    clock.advance(1);
    assert.equal(await identity.bundles.lookup(keyIdOf('c')), undefined);
    // Still listed, so the user sees it and can remove it.
    assert.equal((await identity.bundles.list('carol')).length, 1);
    await store.close();
  });

  it("removes a user's bundles with the user", async () => {
    const { store, clock, identity } = await setup();
    await identity.users.create({ name: 'dave', password: PASSWORD });
    const expiresAt = new Date(clock.now() + DAY).toISOString();
    await identity.bundles.register('dave', { keyId: keyIdOf('d1'), label: 'd1', expiresAt });
    await identity.bundles.register('dave', { keyId: keyIdOf('d2'), label: 'd2', expiresAt });
    await identity.users.delete('dave');
    assert.equal(await identity.bundles.lookup(keyIdOf('d1')), undefined);
    assert.equal(await store.get(identityKeys.bundle(keyIdOf('d2'))), undefined);
    // A later user of the same name does not inherit them.
    await identity.users.create({ name: 'dave', password: PASSWORD });
    assert.deepEqual(await identity.bundles.list('dave'), []);
    await store.close();
  });

  it('never leaves a bundle behind for a user removed at the same moment', async () => {
    const { store, clock, identity } = await setup();
    const expiresAt = new Date(clock.now() + DAY).toISOString();
    for (let round = 0; round < 5; round++) {
      await identity.users.create({ name: 'erin', password: PASSWORD });
      await Promise.allSettled([
        identity.bundles.register('erin', { keyId: keyIdOf(`e${round}a`), label: 'a', expiresAt }),
        identity.users.delete('erin'),
        identity.bundles.register('erin', { keyId: keyIdOf(`e${round}b`), label: 'b', expiresAt }),
      ]);
      assert.deepEqual((await store.range('/auth/bundles/')).kvs, []);
      assert.deepEqual((await store.range(identityKeys.userBundles('erin'))).kvs, []);
    }
    await store.close();
  });
}
