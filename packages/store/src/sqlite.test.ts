import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInvalidArgument } from '@stevedore/errors';
import { openSqliteStore } from './sqlite-store.js';
import { runStoreConformance } from './conformance.js';
import { take } from './conformance-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'stevedore-sqlite-test-'));
let n = 0;
const fresh = async () => openSqliteStore({ path: join(dir, `store-${++n}.db`) });

runStoreConformance('sqlite', { open: fresh, openEmpty: fresh, teardown: async () => rmSync(dir, { recursive: true, force: true }) });

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
      assert.deepEqual(await second.get('/a'), { key: '/a', value: '3', createRevision: 2, modRevision: 4, version: 2, lease: 0 });
      assert.equal((await second.get('/b'))?.lease, lease.id);
      const events = await take(second.watch('/', { fromRevision: 2 }), 3);
      assert.deepEqual(events.map((e) => e.revision), [2, 3, 4]);
      await assert.rejects(take(second.watch('/', { fromRevision: 1 }), 1), /compacted/);
      // The next write continues the revision sequence; the next lease gets a new id.
      assert.equal((await second.put('/c', '4')).revision, revision + 1);
      assert.notEqual((await second.grantLease(5)).id, lease.id);
    } finally {
      await second.close();
    }
  });

  it('refuses a missing path and reports a file it cannot open', async () => {
    assert.throws(() => openSqliteStore({ path: '' }), isInvalidArgument);
    assert.throws(() => openSqliteStore({ path: '/proc/no-such-dir/store.db' }), /cannot open the sqlite store/);
  });
});
