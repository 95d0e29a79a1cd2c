/**
 * Conformance cases for revisions, key-values, ranges, conditional writes and transactions.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument, isNotFound } from '@stevedore/errors';
import type { Store } from './contract.js';
import { type StoreHarness, sleep, uniquePrefix } from './conformance-helpers.js';

type Use = (fn: (store: Store) => Promise<void>, empty?: boolean) => Promise<void>;

export function kvCases(_harness: StoreHarness, use: Use): void {
  it('starts at revision 1 and adds exactly one per committed txn, shared by all its ops', () =>
    use(async (store) => {
      assert.equal(await store.revision(), 1);
      assert.equal((await store.put('/a', '1')).revision, 2);
      const t = await store.txn({
        compares: [],
        success: [
          { type: 'put', key: '/b', value: '2' },
          { type: 'put', key: '/c', value: '3' },
          { type: 'delete', key: '/a' },
        ],
      });
      assert.equal(t.revision, 3);
      assert.equal((await store.get('/b'))?.modRevision, 3);
      assert.equal((await store.get('/c'))?.modRevision, 3);
      assert.equal(await store.get('/a'), undefined);
      // A failed txn, a read-only txn and deleting an absent key change nothing, so the revision stays.
      const failed = await store.txn({ compares: [{ key: '/b', target: 'value', equals: 'x' }], success: [] });
      assert.deepEqual([failed.succeeded, failed.revision], [false, 3]);
      assert.equal((await store.txn({ compares: [], success: [{ type: 'get', key: '/b' }] })).revision, 3);
      assert.equal((await store.delete('/absent')).revision, 3);
      assert.equal(await store.revision(), 3);
      assert.equal((await store.put('/b', '4')).revision, 4);
    }, true));

  it('tracks createRevision, modRevision and version over a key life, reset by delete', () =>
    use(async (store) => {
      const k = uniquePrefix('life') + 'k';
      const r1 = (await store.put(k, 'one')).revision;
      assert.deepEqual(await store.get(k), { key: k, value: 'one', createRevision: r1, modRevision: r1, version: 1, lease: 0 });
      const r2 = (await store.put(k, 'two')).revision;
      assert.equal(r2, r1 + 1);
      assert.deepEqual(await store.get(k), { key: k, value: 'two', createRevision: r1, modRevision: r2, version: 2, lease: 0 });
      const r3 = (await store.delete(k)).revision;
      assert.equal(r3, r2 + 1);
      assert.equal(await store.get(k), undefined);
      const r4 = (await store.put(k, 'three')).revision;
      assert.deepEqual(await store.get(k), { key: k, value: 'three', createRevision: r4, modRevision: r4, version: 1, lease: 0 });
    }));

  it('ranges over a prefix in bytewise order, page by page with after/limit/more', () =>
    use(async (store) => {
      const p = uniquePrefix('range');
      // Mixed case, punctuation, unpadded numbers and characters above U+FFFF, where UTF-16 order
      // (JavaScript's <) and UTF-8 byte order (etcd's) disagree.
      const tails = ['Z', 'a', '~', 'é', '\u{1F600}', '\uFF5E', 'a/b', 'a0'];
      for (let i = 0; i < 292; i++) tails.push(`n${i}`);
      const keys = tails.map((t) => p + t);
      for (let i = 0; i < keys.length; i += 100) {
        const batch = keys.slice(i, i + 100).map((key) => ({ type: 'put' as const, key, value: `v:${key}` }));
        await store.txn({ compares: [], success: batch });
      }
      // Neighbours just outside the prefix must never show up.
      await store.put(p.slice(0, -1), 'outside');
      await store.put(p.slice(0, -1) + '0', 'outside');
      const expected = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.notDeepEqual(expected, [...keys].sort(), 'the test keys must tell UTF-16 and UTF-8 order apart');

      const all = await store.range(p);
      assert.deepEqual(all.kvs.map((kv) => kv.key), expected);
      assert.equal(all.more, false);
      assert.equal(all.revision, await store.revision());
      assert.equal(all.kvs[0]?.value, `v:${expected[0]}`);

      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.range(p, { limit: 37, ...(after === undefined ? {} : { after }) });
        pages++;
        seen.push(...page.kvs.map((kv) => kv.key));
        assert.ok(page.kvs.length <= 37);
        if (!page.more) break;
        assert.equal(page.kvs.length, 37);
        after = page.kvs.at(-1)!.key;
      }
      assert.deepEqual(seen, expected);
      assert.equal(pages, Math.ceil(300 / 37));
      const exact = await store.range(p, { limit: 300 });
      assert.deepEqual([exact.kvs.length, exact.more], [300, false]);
      const last = await store.range(p, { after: expected.at(-1)!, limit: 5 });
      assert.deepEqual([last.kvs.length, last.more], [0, false]);
      assert.deepEqual((await store.range(p + 'n1', { limit: 0 })).kvs.length, 1 + 10 + 100);
    }));

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
        for (let done = 0; done < each; ) {
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
      await assert.rejects(store.txn({ compares: [], success: [{ type: 'put', key: '', value: 'v' }] }), isInvalidArgument);
      await assert.rejects(store.grantLease(0), isInvalidArgument);
      await assert.rejects(store.grantLease(-5), isInvalidArgument);
      await assert.rejects(store.grantLease(1.5), isInvalidArgument);
      await assert.rejects(store.compact(0), isInvalidArgument);
      assert.throws(() => store.watch(p, { fromRevision: 0 }), isInvalidArgument);
      await assert.rejects(store.put(p + 'k', 'v', { lease: 987654321 }), isNotFound);
      assert.equal(await store.get(p + 'k'), undefined);
    }));
}
