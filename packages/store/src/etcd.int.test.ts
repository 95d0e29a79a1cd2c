import { after, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { isInvalidArgument, isUnavailable } from '@stevedore/errors';
import { startEtcd, type EtcdInstance } from '@stevedore/testkit';
import type { Store } from './contract.js';
import { openEtcdStore } from './etcd-open.js';
import { runStoreConformance } from './conformance.js';
import { freePort } from '@stevedore/testkit';
import { take } from './conformance-helpers.js';

let shared: EtcdInstance | undefined;
const extra: EtcdInstance[] = [];

runStoreConformance('etcd', {
  setup: async () => {
    shared = await startEtcd();
  },
  open: () => openEtcdStore({ endpoints: [shared!.endpoint] }),
  // Only the "starts at revision 1" case needs an empty etcd; a private one costs about a second.
  openEmpty: async () => {
    const etcd = await startEtcd();
    extra.push(etcd);
    return openEtcdStore({ endpoints: [etcd.endpoint] });
  },
  teardown: async () => {
    await Promise.all([shared?.stop(), ...extra.map((e) => e.stop())]);
  },
});

describe('etcd store specifics', () => {
  let etcd: EtcdInstance | undefined;
  after(() => etcd?.stop());

  it('grants lease ids that are exact JavaScript numbers, and reports them on keys', async () => {
    etcd = await startEtcd();
    const store: Store = await openEtcdStore({ endpoints: [etcd.endpoint] });
    try {
      for (let i = 0; i < 5; i++) {
        const lease = await store.grantLease(30);
        assert.ok(Number.isSafeInteger(lease.id) && lease.id > 0, `lease id ${lease.id}`);
        await store.put(`/lease-ids/${i}`, 'v', { lease: lease.id });
        assert.equal((await store.get(`/lease-ids/${i}`))?.lease, lease.id);
        await lease.revoke();
      }
    } finally {
      await store.close();
    }
  });

  it('refuses missing endpoints, and says so when etcd cannot be reached', async () => {
    await assert.rejects(openEtcdStore({ endpoints: [] }), isInvalidArgument);
    const port = await freePort();
    await assert.rejects(
      openEtcdStore({ endpoints: [`http://127.0.0.1:${port}`], dialTimeoutMs: 500 }),
      (err: unknown) => isUnavailable(err) && /unavailable/.test((err as Error).message),
    );
  });

  it('resumes an open watch after etcd restarts, with no gap and no duplicate', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stevedore-etcd-restart-'));
    const ports = { clientPort: await freePort(), peerPort: await freePort() };
    let server = await startEtcd({ dataDir, ...ports });
    const store = await openEtcdStore({ endpoints: [server.endpoint] });
    try {
      const from = (await store.revision()) + 1;
      const watch = store.watch('/restart/', { fromRevision: from });
      for (let i = 0; i < 3; i++) await store.put(`/restart/${i}`, String(i));
      const before = await take(watch, 3);
      await server.stop();
      server = await startEtcd({ dataDir, ...ports });
      // Writes after the restart: the watch must reconnect by itself and continue from where it was.
      for (let i = 3; i < 6; i++) await store.put(`/restart/${i}`, String(i));
      const afterRestart = await take(watch, 3, 20_000);
      assert.deepEqual(
        [...before, ...afterRestart].map((e) => [e.revision, e.type === 'put' ? e.kv.value : '']),
        [0, 1, 2, 3, 4, 5].map((i) => [from + i, String(i)]),
      );
      watch.close();
    } finally {
      await store.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
