/**
 * Conformance cases for leases: expiry with a delete event, keepAlive, revoke.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound } from '@stevedore/errors';
import type { Store } from './contract.js';
import { describeEvent, sleep, take, uniquePrefix } from './conformance-helpers.js';

type Use = (fn: (store: Store) => Promise<void>) => Promise<void>;

/**
 * etcd checks expiry every 500 ms and deletes through Raft, and a loaded 2-core machine runs timers late:
 * an upper bound only, generous so that it never decides the outcome.
 */
const LATE_MS = 15_000;

export function leaseCases(use: Use): void {
  it('deletes a key on an expired lease, with a delete event, once the TTL has passed', () =>
    use(async (store) => {
      const p = uniquePrefix('expiry');
      // Before the grant: the TTL runs from the server's grant, which a slow answer could put well before
      // a clock read after it, and the lower bound below would then fail for nothing.
      const started = Date.now();
      const lease = await store.grantLease(1);
      assert.ok(lease.ttlSeconds >= 1);
      const put = await store.put(p + 'k', 'v', { lease: lease.id });
      await store.put(p + 'plain', 'v');
      assert.equal((await store.get(p + 'k'))?.lease, lease.id);
      const watch = store.watch(p, { fromRevision: put.revision + 2 });
      const [event] = await take(watch, 1, lease.ttlSeconds * 1000 + LATE_MS);
      const elapsed = Date.now() - started;
      assert.equal(event?.type, 'delete');
      assert.equal(event.key, p + 'k');
      assert.ok(elapsed >= lease.ttlSeconds * 1000 - 100, `deleted after ${elapsed} ms, before the TTL`);
      assert.equal(await store.get(p + 'k'), undefined);
      assert.equal((await store.get(p + 'plain'))?.value, 'v');
      await assert.rejects(lease.keepAlive(), isNotFound);
      watch.close();
    }));

  it('keeps a lease alive past its TTL while keepAlive is called, then lets it expire', () =>
    use(async (store) => {
      const p = uniquePrefix('keepalive');
      const lease = await store.grantLease(2);
      const ttlMs = lease.ttlSeconds * 1000;
      const put = await store.put(p + 'k', 'v', { lease: lease.id });
      const started = Date.now();
      // Often, so that a loaded machine running the timer late does not let the lease lapse in between.
      while (Date.now() - started < ttlMs * 1.5) {
        await sleep(ttlMs / 10);
        await lease.keepAlive();
      }
      assert.equal((await store.get(p + 'k'))?.value, 'v', 'still there past the original TTL');
      const watch = store.watch(p, { fromRevision: put.revision + 1 });
      const [event] = await take(watch, 1, ttlMs + LATE_MS);
      assert.equal(event?.type, 'delete');
      watch.close();
    }));

  it('revokes at once, deleting all the lease keys in one revision', () =>
    use(async (store) => {
      const p = uniquePrefix('revoke');
      const lease = await store.grantLease(60);
      await store.put(p + 'a', '1', { lease: lease.id });
      await store.put(p + 'b', '2', { lease: lease.id });
      const last = await store.put(p + 'c', '3');
      const watch = store.watch(p, { fromRevision: last.revision + 1 });
      await lease.revoke();
      assert.equal(await store.get(p + 'a'), undefined);
      assert.equal(await store.get(p + 'b'), undefined);
      assert.equal((await store.get(p + 'c'))?.value, '3');
      const events = await take(watch, 2);
      const rev = events[0]!.revision;
      assert.deepEqual(events.map(describeEvent).sort(), [`${rev} delete ${p}a`, `${rev} delete ${p}b`]);
      await assert.rejects(lease.keepAlive(), isNotFound);
      await assert.rejects(lease.revoke(), isNotFound);
      watch.close();
    }));
}
