import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInvalidArgument } from '@stevedore/errors';
import { openSqliteStore } from './sqlite-store.js';
import { runStoreConformance } from './conformance.js';
import { sleep, take } from './conformance-helpers.js';
import { isCompacted } from './compacted-error.js';

const dir = mkdtempSync(join(tmpdir(), 'stevedore-sqlite-test-'));
mkdirSync(dir, { recursive: true });
let n = 0;
const fresh = () => Promise.resolve(openSqliteStore({ path: join(dir, `store-${++n}.db`) }));

runStoreConformance('sqlite', { open: fresh, openEmpty: fresh });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite store on disk', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'stevedore-sqlite-reopen-')), 'nested', 'store.db');
  after(() => rmSync(join(path, '..', '..'), { recursive: true, force: true }));

  it('keeps keys, revision, history, compaction point and leases across close and reopen', async () => {
    const first = openSqliteStore({ path });
    await first.put('/a', '1');
    const lease = await first.grantLease(60);
    await first.put('/b', '2', { lease: lease.id });
    await first.put('/a', '3');
    await first.compact(2);
    const revision = await first.revision();
    await first.close();

    const second = openSqliteStore({ path });
    try {
      assert.equal(await second.revision(), revision);
      assert.deepEqual(await second.get('/a'), {
        key: '/a',
        value: '3',
        createRevision: 2,
        modRevision: 4,
        version: 2,
        lease: 0,
      });
      assert.equal((await second.get('/b'))?.lease, lease.id);
      const events = await take(second.watch('/', { fromRevision: 2 }), 3);
      assert.deepEqual(
        events.map((e) => e.revision),
        [2, 3, 4],
      );
      await assert.rejects(take(second.watch('/', { fromRevision: 1 }), 1), /compacted/);
      // The next write continues the revision sequence; the next lease gets a new id.
      assert.equal((await second.put('/c', '4')).revision, revision + 1);
      assert.notEqual((await second.grantLease(5)).id, lease.id);
    } finally {
      await second.close();
    }
  });

  it('compacts old history automatically when asked to, keeping the newest revisions', async () => {
    const store = openSqliteStore({
      path: join(dir, 'auto.db'),
      autoCompaction: { keepRevisions: 5, everyMs: 20 },
    });
    try {
      for (let i = 0; i < 20; i++) await store.put('/auto/k', String(i));
      // The compaction runs on its own timer: wait until a watch from the start is refused (a loaded
      // machine may run the timer late; the deadline is only an upper bound).
      const fromStart = () => {
        const watch = store.watch('/auto/', { fromRevision: 1 });
        return take(watch, 1)
          .catch((e: unknown) => e)
          .finally(() => watch.close());
      };
      const done = (e: unknown) => isCompacted(e) && e.compactRevision === 21 - 5;
      let err = await fromStart();
      for (const deadline = Date.now() + 20_000; !done(err) && Date.now() < deadline;) {
        await sleep(20);
        err = await fromStart();
      }
      assert.ok(isCompacted(err), `expected CompactedError, got ${String(err)}`);
      assert.equal(err.compactRevision, 21 - 5);
      assert.deepEqual(
        (await take(store.watch('/auto/', { fromRevision: 16 }), 6)).map((e) => e.revision),
        [16, 17, 18, 19, 20, 21],
      );
    } finally {
      await store.close();
    }
  });

  it('refuses a missing path and reports a file it cannot open', () => {
    assert.throws(() => openSqliteStore({ path: '' }), isInvalidArgument);
    // A regular file where the directory should be.
    const notADir = join(dir, 'not-a-dir');
    writeFileSync(notADir, 'x');
    assert.throws(() => openSqliteStore({ path: join(notADir, 'store.db') }), /cannot open the sqlite store/);
  });
});
