/**
 * Conformance cases for conditional writes, transactions, concurrent writers and input validation.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument, isNotFound } from '@stevedore/errors';
import type { Store } from './contract.js';
import { sleep, uniquePrefix } from './conformance-helpers.js';

type Use = (fn: (store: Store) => Promise<void>, empty?: boolean) => Promise<void>;

export function txnCases(use: Use): void {
  it('writes conditionally with ifModRevision, 0 meaning only-if-absent', () =>
    use(async (store) => {
      const k = uniquePrefix('cond') + 'k';
      const created = await store.put(k, 'first', { ifModRevision: 0 });
      assert.equal(created.ok, true);
      const again = await store.put(k, 'second', { ifModRevision: 0 });
      assert.deepEqual(again, { ok: false, revision: created.revision });
      assert.equal((await store.get(k))?.value, 'first');
      const stale = await store.put(k, 'third', { ifModRevision: created.revision - 1 });
      assert.equal(stale.ok, false);
      const updated = await store.put(k, 'fourth', { ifModRevision: created.revision });
      assert.equal(updated.ok, true);
      assert.equal((await store.get(k))?.value, 'fourth');
      assert.equal((await store.delete(k, { ifModRevision: created.revision })).ok, false);
      assert.equal((await store.get(k))?.value, 'fourth');
      assert.equal((await store.delete(k, { ifModRevision: updated.revision })).ok, true);
      assert.equal(await store.get(k), undefined);
    }));

  it('evaluates txn compares on modRevision and value and applies exactly one branch, atomically', () =>
    use(async (store) => {
      const p = uniquePrefix('txn');
      await store.put(p + 'k1', 'v1');
      const m2 = (await store.put(p + 'k2', 'v2')).revision;
      const ok = await store.txn({
        compares: [
          { key: p + 'k1', target: 'value', equals: 'v1' },
          { key: p + 'k2', target: 'modRevision', equals: m2 },
          { key: p + 'none', target: 'modRevision', equals: 0 },
        ],
        success: [
          { type: 'put', key: p + 'k3', value: 'v3' },
          { type: 'get', key: p + 'k3' },
          { type: 'delete', key: p + 'k2' },
          { type: 'get', key: p + 'k1' },
          { type: 'get', key: p + 'none' },
        ],
        failure: [{ type: 'put', key: p + 'k4', value: 'v4' }],
      });
      assert.equal(ok.succeeded, true);
      assert.equal(ok.results.length, 5);
      assert.equal(ok.results[1]?.value, 'v3', 'a get after a put in the same txn sees the put');
      assert.equal(ok.results[3]?.value, 'v1');
      assert.equal(ok.results[4], undefined);
      assert.equal((await store.get(p + 'k3'))?.modRevision, ok.revision);
      assert.equal(await store.get(p + 'k2'), undefined);
      assert.equal(await store.get(p + 'k4'), undefined);

      const failed = await store.txn({
        // Comparing the value of an absent key never holds.
        compares: [{ key: p + 'k2', target: 'value', equals: '' }],
        success: [{ type: 'put', key: p + 'k5', value: 'v5' }],
        failure: [
          { type: 'put', key: p + 'k4', value: 'v4' },
          { type: 'get', key: p + 'k1' },
        ],
      });
      assert.equal(failed.succeeded, false);
      assert.equal(failed.results[1]?.value, 'v1');
      assert.equal(await store.get(p + 'k5'), undefined);
      assert.equal((await store.get(p + 'k4'))?.modRevision, failed.revision);
      await assert.rejects(
        store.txn({
          compares: [],
          success: [
            { type: 'put', key: p + 'dup', value: '1' },
            { type: 'delete', key: p + 'dup' },
          ],
        }),
        isInvalidArgument,
      );
      assert.equal(await store.get(p + 'dup'), undefined);
    }));

  it('loses no update under 20 concurrent read-modify-write incrementers', () =>
    use(async (store) => {
      const k = uniquePrefix('counter') + 'n';
      const workers = 20;
      const each = 3;
      let conflicts = 0;
      const worker = async (): Promise<void> => {
        for (let done = 0; done < each;) {
          const kv = await store.get(k);
          const n = kv ? Number(kv.value) : 0;
          const r = await store.put(k, String(n + 1), { ifModRevision: kv?.modRevision ?? 0 });
          if (r.ok) done++;
          else {
            conflicts++;
            await sleep(Math.random() * 5);
          }
        }
      };
      await Promise.all(Array.from({ length: workers }, worker));
      const final = await store.get(k);
      assert.equal(final?.value, String(workers * each));
      assert.equal(final?.version, workers * each);
      assert.ok(conflicts > 0, 'the workers should have raced at least once');
    }));

  it('refuses invalid input with InvalidArgument, and a put on an unknown lease with NotFound', () =>
    use(async (store) => {
      const p = uniquePrefix('invalid');
      await assert.rejects(store.get(''), isInvalidArgument);
      await assert.rejects(store.put('', 'v'), isInvalidArgument);
      await assert.rejects(store.delete(''), isInvalidArgument);
      await assert.rejects(store.range(p, { limit: -1 }), isInvalidArgument);
      await assert.rejects(store.range(p, { limit: 2.5 }), isInvalidArgument);
      await assert.rejects(store.put(p + 'k', 'v', { ifModRevision: -1 }), isInvalidArgument);
      await assert.rejects(
        store.txn({ compares: [], success: [{ type: 'put', key: '', value: 'v' }] }),
        isInvalidArgument,
      );
      await assert.rejects(store.grantLease(0), isInvalidArgument);
      await assert.rejects(store.grantLease(-5), isInvalidArgument);
      await assert.rejects(store.grantLease(1.5), isInvalidArgument);
      await assert.rejects(store.compact(0), isInvalidArgument);
      assert.throws(() => store.watch(p, { fromRevision: 0 }), isInvalidArgument);
      await assert.rejects(store.put(p + 'k', 'v', { lease: 987654321 }), isNotFound);
      assert.equal(await store.get(p + 'k'), undefined);
    }));
}
