/**
 * Conformance cases for watches: replay from a revision, live delivery, resumption after a disconnect,
 * compaction, and closing.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '@stevedore/errors';
import type { Store, WatchEvent } from './contract.js';
import { isCompacted } from './compacted-error.js';
import { describeEvent, expectQuiet, sleep, take, uniquePrefix } from './conformance-helpers.js';

type Use = (fn: (store: Store) => Promise<void>) => Promise<void>;

/** Writes a mix of changes under `p` (and one outside it); returns how many events they make under `p`. */
async function writeMix(store: Store, p: string, tag: string): Promise<number> {
  await store.put(p + 'a', `a-${tag}`);
  await store.put(p.slice(0, -1) + '-outside', tag);
  await store.txn({
    compares: [],
    success: [
      { type: 'put', key: p + 'b', value: `b-${tag}` },
      { type: 'put', key: p + 'c', value: `c-${tag}` },
    ],
  });
  await store.put(p + 'a', `a2-${tag}`);
  await store.delete(p + 'b');
  return 5;
}

export function watchCases(use: Use): void {
  it('replays history from a revision, then streams live changes, in commit order, no gap or duplicate', () =>
    use(async (store) => {
      const p = uniquePrefix('watch');
      const from = (await store.revision()) + 1;
      const before = await writeMix(store, p, 'before');
      const watch = store.watch(p, { fromRevision: from });
      const after = await writeMix(store, p, 'after');
      const events = await take(watch, before + after);
      const revisions = events.map((e) => e.revision);
      assert.deepEqual(
        revisions,
        [...revisions].sort((a, b) => a - b),
        'events come in commit order',
      );
      // Rebuild the expected history from the store's own answers: each put event equals the key's state then.
      const lines = events.map(describeEvent).map((l) => l.replace(/^\d+ /, ''));
      const a1 = events[0]!.revision;
      assert.deepEqual(lines, [
        `put ${p}a=a-before c${a1} m${a1} v1`,
        `put ${p}b=b-before c${a1 + 2} m${a1 + 2} v1`,
        `put ${p}c=c-before c${a1 + 2} m${a1 + 2} v1`,
        `put ${p}a=a2-before c${a1} m${a1 + 3} v2`,
        `delete ${p}b`,
        `put ${p}a=a-after c${a1} m${a1 + 5} v3`,
        `put ${p}b=b-after c${a1 + 7} m${a1 + 7} v1`,
        `put ${p}c=c-after c${a1 + 2} m${a1 + 7} v2`,
        `put ${p}a=a2-after c${a1} m${a1 + 8} v4`,
        `delete ${p}b`,
      ]);
      assert.deepEqual(revisions, [
        a1,
        a1 + 2,
        a1 + 2,
        a1 + 3,
        a1 + 4,
        a1 + 5,
        a1 + 7,
        a1 + 7,
        a1 + 8,
        a1 + 9,
      ]);
      assert.equal(await expectQuiet(watch, 300), undefined, 'no duplicate or stray event follows');
      watch.close();
    }));

  it('resumes after a disconnect from lastSeenRevision+1 with exactly the missed events', () =>
    use(async (store) => {
      const p = uniquePrefix('resume');
      const from = (await store.revision()) + 1;
      const written: number[] = [];
      const first = store.watch(p, { fromRevision: from });
      for (let i = 0; i < 10; i++) written.push((await store.put(p + `k${i % 3}`, String(i))).revision);
      const seen = await take(first, 6);
      first.close();
      // The iterator of a closed watch finishes instead of hanging.
      assert.equal((await first[Symbol.asyncIterator]().next()).done, true);
      for (let i = 10; i < 20; i++) written.push((await store.put(p + `k${i % 3}`, String(i))).revision);
      const resumed = store.watch(p, { fromRevision: seen.at(-1)!.revision + 1 });
      seen.push(...(await take(resumed, 14)));
      assert.deepEqual(
        seen.map((e) => e.revision),
        written,
      );
      assert.deepEqual(
        seen.map((e) => (e.type === 'put' ? e.kv.value : '')),
        written.map((_, i) => String(i)),
      );
      assert.equal(await expectQuiet(resumed, 200), undefined);
      resumed.close();
    }));

  it('without fromRevision, delivers only changes made after the watch opened', () =>
    use(async (store) => {
      const p = uniquePrefix('live');
      const old = (await store.put(p + 'old', 'x')).revision;
      const watch = store.watch(p);
      // A remote store registers the watch asynchronously; keep writing until the first event arrives.
      let first: WatchEvent | undefined;
      const firstEvent = take(watch, 1, 10_000).then((e) => (first = e[0]));
      for (let i = 0; first === undefined && i < 100; i++) {
        await store.put(p + 'new', String(i));
        await Promise.race([firstEvent, sleep(50)]);
      }
      await firstEvent;
      assert.equal(first?.type, 'put');
      assert.ok(first.revision > old);
      assert.equal(first.kv.key, p + 'new');
      watch.close();
    }));

  it('fails a watch from before the compaction point with CompactedError, keeping later history', () =>
    use(async (store) => {
      const p = uniquePrefix('compact');
      const r1 = (await store.put(p + 'a', '1')).revision;
      const r2 = (await store.put(p + 'b', '2')).revision;
      const r3 = (await store.put(p + 'c', '3')).revision;
      await store.compact(r2);
      await store.compact(r1); // older than the compaction point: nothing left to do, not an error
      const old = store.watch(p, { fromRevision: r1 });
      const err = await take(old, 1).then(
        () => assert.fail('a watch from a compacted revision must fail'),
        (e: unknown) => e,
      );
      assert.ok(isCompacted(err), `expected CompactedError, got ${String(err)}`);
      assert.equal(err.compactRevision, r2);
      const kept = store.watch(p, { fromRevision: r2 });
      assert.deepEqual((await take(kept, 2)).map(describeEvent), [
        `${r2} put ${p}b=2 c${r2} m${r2} v1`,
        `${r3} put ${p}c=3 c${r3} m${r3} v1`,
      ]);
      kept.close();
      assert.equal((await store.get(p + 'a'))?.value, '1', 'compaction keeps the current state');
      await assert.rejects(store.compact((await store.revision()) + 10), isInvalidArgument);
    }));

  it('ends open watches when the store closes', () =>
    use(async (store) => {
      const p = uniquePrefix('closing');
      const watch = store.watch(p, { fromRevision: (await store.revision()) + 1 });
      await store.put(p + 'k', 'v');
      const received: WatchEvent[] = [];
      const loop = (async () => {
        for await (const e of watch) received.push(e);
      })();
      while (received.length === 0) await sleep(10);
      await store.close();
      await loop;
      assert.equal(received.length, 1);
    }));
}
