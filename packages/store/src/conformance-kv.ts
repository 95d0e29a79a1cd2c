/**
 * Conformance cases for revisions, key-value life cycles and ranges.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '@stevedore/errors';
import { isCompacted } from './compacted-error.js';
import type { Store } from './contract.js';
import { uniquePrefix } from './conformance-helpers.js';

type Use = (fn: (store: Store) => Promise<void>, empty?: boolean) => Promise<void>;

export function kvCases(use: Use): void {
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
      const failed = await store.txn({
        compares: [{ key: '/b', target: 'value', equals: 'x' }],
        success: [],
      });
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
      assert.deepEqual(await store.get(k), {
        key: k,
        value: 'one',
        createRevision: r1,
        modRevision: r1,
        version: 1,
        lease: 0,
      });
      const r2 = (await store.put(k, 'two')).revision;
      assert.equal(r2, r1 + 1);
      assert.deepEqual(await store.get(k), {
        key: k,
        value: 'two',
        createRevision: r1,
        modRevision: r2,
        version: 2,
        lease: 0,
      });
      const r3 = (await store.delete(k)).revision;
      assert.equal(r3, r2 + 1);
      assert.equal(await store.get(k), undefined);
      const r4 = (await store.put(k, 'three')).revision;
      assert.deepEqual(await store.get(k), {
        key: k,
        value: 'three',
        createRevision: r4,
        modRevision: r4,
        version: 1,
        lease: 0,
      });
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
      assert.deepEqual(
        all.kvs.map((kv) => kv.key),
        expected,
      );
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
      // `after` past the whole prefix, and `after` before it (the page then starts at the prefix).
      assert.equal((await store.range(p, { after: p.slice(0, -1) + '0' })).kvs.length, 0);
      assert.equal((await store.range(p, { after: '/', limit: 1 })).kvs[0]?.key, expected[0]);
      assert.deepEqual((await store.range(p + 'n1', { limit: 0 })).kvs.length, 1 + 10 + 100);
    }));

  it('reads the next pages as of the first page revision; refuses a compacted or future revision', () =>
    use(async (store) => {
      const p = uniquePrefix('range-at');
      await store.txn({
        compares: [],
        success: [0, 1, 2, 3, 4, 5].map((i) => ({ type: 'put' as const, key: `${p}${i}`, value: `v${i}` })),
      });
      const first = await store.range(p, { limit: 3 });
      const after = first.kvs.at(-1)!.key;
      // A write elsewhere moves the revision on without touching these keys.
      await store.put(uniquePrefix('elsewhere') + 'k', 'x');
      const second = await store.range(p, { limit: 3, after, revision: first.revision });
      assert.deepEqual(
        second.kvs.map((kv) => kv.value),
        ['v3', 'v4', 'v5'],
      );
      assert.deepEqual([second.more, second.revision], [false, await store.revision()]);
      await assert.rejects(store.range(p, { revision: second.revision + 1000 }), isInvalidArgument);
      await assert.rejects(store.range(p, { revision: 0 }), isInvalidArgument);
      // Once a key in the range changed and history was compacted past it, the old state is gone.
      const changed = await store.put(`${p}4`, 'changed');
      await store.compact(changed.revision);
      await assert.rejects(store.range(p, { after, revision: first.revision }), isCompacted);
      assert.deepEqual(
        (await store.range(p, { revision: changed.revision })).kvs.map((kv) => kv.value),
        ['v0', 'v1', 'v2', 'v3', 'changed', 'v5'],
      );
    }));
}
