/**
 * The cases of `follow`, run on every Store implementation: `follow.test.ts` (memory, SQLite) and
 * `follow.int.test.ts` (etcd). Each case works under its own prefix, so they may share one etcd.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUnavailable, UnavailableError } from '@stevedore/errors';
import { isCompacted } from './compacted-error.js';
import type { Store } from './contract.js';
import { uniquePrefix, type StoreHarness } from './conformance-helpers.js';
import { follow, type Follower, type FollowOptions } from './follow.js';
import { breakable, late, Recorder, wrapStore } from './follow-test-kit.js';

type FollowHarness = Pick<StoreHarness, 'setup' | 'open' | 'teardown'>;

export function runFollowCases(name: string, harness: FollowHarness): void {
  type Start = (store: Store, prefix: string, options: FollowOptions) => Follower;
  /** Runs a case with its own store; every follower it starts is closed afterwards, whatever happens. */
  const use = async (fn: (store: Store, start: Start) => Promise<void>): Promise<void> => {
    const store = await harness.open();
    const followers: Follower[] = [];
    try {
      await fn(store, (...args) => {
        const follower = follow(...args);
        followers.push(follower);
        return follower;
      });
    } finally {
      await Promise.all(followers.map((f) => f.close()));
      await store.close();
    }
  };
  const values = (state: Map<string, string>) => Object.fromEntries(state);
  const current = async (store: Store, prefix: string) =>
    Object.fromEntries((await store.range(prefix)).kvs.map((kv) => [kv.key, kv.value]));

  describe(`follow: ${name}`, () => {
    before(async () => harness.setup?.());
    after(async () => harness.teardown?.());

    it('hands over the snapshot, then each later revision whole, once, with no gap at the boundary', () =>
      use(async (real, start) => {
        const p = uniquePrefix('follow');
        await real.txn({
          compares: [],
          success: [
            { type: 'put', key: `${p}a`, value: '1' },
            { type: 'put', key: `${p}b`, value: '2' },
          ],
        });
        // A write lands after the snapshot was read and before the watch is open: it must come as an event.
        let between: number | undefined;
        const store = wrapStore(real, {
          range: async (prefix, options) => {
            const page = await real.range(prefix, options);
            if (between === undefined) between = (await real.put(`${p}between`, '3')).revision;
            return page;
          },
        });
        const rec = new Recorder();
        let thrown = false;
        const follower = start(store, p, {
          ...rec.options,
          onRevision: (events, revision) => {
            rec.options.onRevision!(events, revision);
            if (!thrown) {
              thrown = true;
              throw new Error('a consumer bug');
            }
          },
        });
        await follower.ready;
        const [session] = rec.sessions;
        assert.deepEqual(
          session?.snapshot.map((kv) => kv.value),
          ['1', '2'],
        );
        assert.equal(session.revision, between! - 1);
        const txn = await real.txn({
          compares: [],
          success: [
            { type: 'put', key: `${p}c`, value: '4' },
            { type: 'delete', key: `${p}a` },
            { type: 'put', key: `${p}b`, value: '5' },
          ],
        });
        await real.put(`${uniquePrefix('elsewhere')}x`, 'not followed');
        await rec.until('the txn arrived', () => follower.revision >= txn.revision);
        assert.deepEqual(rec.revisions, [between, txn.revision]);
        assert.deepEqual(
          session.revisions[1]?.events.map((e) => e.type),
          ['put', 'delete', 'put'],
        );
        assert.deepEqual(values(rec.state()), await current(real, p));
        assert.equal(rec.errors.length, 1, 'the callback error is reported, and following goes on');
        assert.equal(rec.sessions.length, 1);
        await follower.close();
      }));

    it('reads a prefix of many pages at one revision, while it is being written', () =>
      use(async (real, start) => {
        const p = uniquePrefix('follow-pages');
        const key = (i: number) => `${p}${String(i).padStart(3, '0')}`;
        const keys = Array.from({ length: 95 }, (_, i) => key(i));
        await real.txn({
          compares: [],
          success: keys.map((k) => ({ type: 'put' as const, key: k, value: 'old' })),
        });
        // After the first page is read, one txn changes keys on later pages: the snapshot must show all of it
        // or none of it.
        let pages = 0;
        let written: number | undefined;
        const store = wrapStore(real, {
          range: async (prefix, options) => {
            pages++;
            const page = await real.range(prefix, options);
            written ??= (
              await real.txn({
                compares: [],
                success: [
                  { type: 'put', key: key(50), value: 'new' },
                  { type: 'delete', key: key(90) },
                  { type: 'put', key: `${p}zzz`, value: 'new' },
                ],
              })
            ).revision;
            return page;
          },
        });
        const rec = new Recorder();
        const follower = start(store, p, { ...rec.options, pageSize: 10 });
        await follower.ready;
        const [session] = rec.sessions;
        const snapshot = Object.fromEntries(session!.snapshot.map((kv) => [kv.key, kv.value]));
        const before = Object.fromEntries(keys.map((k) => [k, 'old']));
        const afterWrite = { ...before, [key(50)]: 'new', [`${p}zzz`]: 'new' };
        delete afterWrite[key(90)];
        assert.deepEqual(snapshot, session!.revision < written! ? before : afterWrite);
        assert.ok(pages >= 10, `read in pages of 10 (${pages} ranges)`);
        await rec.until('caught up', () => follower.revision >= written!);
        assert.deepEqual(values(rec.state()), afterWrite);
        await follower.close();
      }));

    it('after falling behind a compaction, reloads at once and shows the state at one revision', () =>
      use(async (real, start) => {
        const p = uniquePrefix('follow-compact');
        await real.put(`${p}kept`, '1');
        await real.put(`${p}gone`, '1');
        let gate: { release: () => void } | undefined;
        const store = wrapStore(real, {
          watch: (prefix, options) => {
            if (gate) return real.watch(prefix, options);
            const lateWatch = late(real, prefix, options ?? {});
            gate = lateWatch;
            return lateWatch.watch;
          },
        });
        const rec = new Recorder();
        const follower = start(store, p, rec.options);
        await follower.ready;
        await real.put(`${p}kept`, '2');
        await real.delete(`${p}gone`);
        const { revision } = await real.put(`${p}added`, '3');
        await real.compact(revision);
        gate!.release();
        await rec.until('reloaded', () => rec.sessions.length === 2);
        assert.ok(isCompacted(rec.errors[0]), String(rec.errors[0]));
        assert.deepEqual(rec.downs, [0], 'a compaction reloads at once');
        assert.equal(rec.sessions[1]!.revision >= revision, true);
        assert.deepEqual(values(rec.state()), { [`${p}kept`]: '2', [`${p}added`]: '3' });
        const next = await real.put(`${p}after`, '4');
        await rec.until('following again', () => follower.revision >= next.revision);
        assert.deepEqual(values(rec.state()), await current(real, p));
        await follower.close();
      }));

    it('after a watch failure, backs off (100 ms doubling, reset by an event) and reloads', () =>
      use(async (real, start) => {
        const p = uniquePrefix('follow-fail');
        let open: { fail: (err: Error) => void } | undefined;
        let refuse = 0;
        let outage: Promise<unknown> | undefined;
        const store = wrapStore(real, {
          // Reloads read only once the write made during the outage has landed.
          range: async (prefix, options) => {
            await outage;
            return real.range(prefix, options);
          },
          watch: (prefix, options) => {
            if (refuse > 0) {
              refuse--;
              outage ??= real.put(`${p}b`, '2');
              throw new UnavailableError('the watch cannot be opened (injected)');
            }
            const w = breakable(real.watch(prefix, options));
            open = w;
            return w.watch;
          },
        });
        const rec = new Recorder();
        const follower = start(store, p, rec.options);
        await follower.ready;
        const a = await real.put(`${p}a`, '1');
        await rec.until('a arrived', () => follower.revision >= a.revision);

        // The watch breaks, and the next two attempts to open one fail: the waits double.
        refuse = 2;
        open!.fail(new UnavailableError('the watch stream broke (injected)'));
        await rec.until('reloaded', () => rec.sessions.length === 2);
        assert.deepEqual(rec.downs, [100, 200, 400]);
        assert.ok(rec.errors.every(isUnavailable), rec.errors.map(String).join('; '));
        assert.deepEqual(values(rec.state()), { [`${p}a`]: '1', [`${p}b`]: '2' });

        // An event proves the watch works again: the next failure waits the shortest time again.
        const c = await real.put(`${p}c`, '3');
        await rec.until('c arrived', () => follower.revision >= c.revision);
        open!.fail(new UnavailableError('the watch stream broke again (injected)'));
        await rec.until('reloaded again', () => rec.sessions.length === 3);
        assert.deepEqual(rec.downs, [100, 200, 400, 100]);
        assert.deepEqual(values(rec.state()), await current(real, p));
        await follower.close();
      }));

    it('stops at once when closed during a backoff', () =>
      use(async (real, start) => {
        const p = uniquePrefix('follow-close');
        let open: { fail: (err: Error) => void } | undefined;
        const store = wrapStore(real, {
          watch: (prefix, options) => {
            const w = breakable(real.watch(prefix, options));
            open = w;
            return w.watch;
          },
        });
        const rec = new Recorder();
        const follower = start(store, p, { ...rec.options, retry: { minMs: 600_000, maxMs: 600_000 } });
        await follower.ready;
        open!.fail(new UnavailableError('the watch stream broke (injected)'));
        await rec.until('down', () => rec.downs.length === 1);
        assert.deepEqual(rec.downs, [600_000]);
        let bound: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([
          follower.close().then(() => 'closed'),
          new Promise((resolve) => (bound = setTimeout(() => resolve('still waiting'), 20_000))),
        ]).finally(() => clearTimeout(bound));
        assert.equal(outcome, 'closed', 'close() does not wait for the backoff');
        assert.equal(rec.sessions.length, 1);
      }));

    it('with snapshot: false, follows from the current revision without reading the keys', () =>
      use(async (real, start) => {
        const p = uniquePrefix('follow-no-snapshot');
        await real.put(`${p}old`, '1');
        let ranged = false;
        const store = wrapStore(real, {
          range: (prefix, options) => {
            ranged = true;
            return real.range(prefix, options);
          },
        });
        const rec = new Recorder();
        const follower = start(store, p, { ...rec.options, snapshot: false });
        await follower.ready;
        assert.equal(ranged, false);
        assert.deepEqual(rec.sessions[0]?.snapshot, []);
        const next = await real.put(`${p}new`, '2');
        assert.equal(rec.sessions[0].revision, next.revision - 1);
        await rec.until('new arrived', () => follower.revision >= next.revision);
        assert.deepEqual(values(rec.state()), { [`${p}new`]: '2' });
        await follower.close();
      }));

    it('rejects `ready` when the first read fails, or when closed first', async () => {
      const closed = await harness.open();
      await closed.close();
      const failed = follow(closed, uniquePrefix('follow-closed'), {});
      await assert.rejects(failed.ready, isUnavailable);
      await failed.close();
      await use(async (store, start) => {
        const early = start(store, uniquePrefix('follow-early'), {});
        await early.close();
        await assert.rejects(early.ready, isUnavailable);
      });
    });
  });
}
