/**
 * The Store on a real three-member etcd cluster, as three managers run it: losing one member (the leader)
 * is invisible to a client that knows every endpoint; losing two refuses reads and writes with a clear
 * "no quorum" error (nothing is acknowledged that was not committed); one member back heals it, with every
 * acknowledged write there. `health()` tells which members answer and which one leads throughout.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUnavailable } from '@stevedore/errors';
import { startEtcdCluster, type EtcdCluster } from '@stevedore/testkit';
import type { Store } from './contract.js';
import { openEtcdStore } from './etcd-open.js';

describe('the Store on a three-member etcd cluster', { timeout: 180_000 }, () => {
  let cluster: EtcdCluster;
  let store: Store;
  before(async () => {
    cluster = await startEtcdCluster(3);
    store = await openEtcdStore({ endpoints: cluster.endpoints });
  });
  after(async () => {
    await store?.close();
    await cluster?.stop();
  });

  it('reports three members answering and one leader', async () => {
    const health = await store.health();
    assert.equal(health.kind, 'etcd');
    assert.equal(health.quorum, true, health.message);
    assert.deepEqual(health.members.map((m) => m.name).sort(), ['m0', 'm1', 'm2']);
    assert.equal(health.members.filter((m) => m.reachable).length, 3);
    assert.equal(health.members.filter((m) => m.leader).length, 1);
    assert.equal(health.members.find((m) => m.leader)?.name, health.leader);
    assert.match(health.message, /3 of 3 members answer/);
    // A controller that was given one endpoint only sees the whole cluster the same way.
    const partial = await openEtcdStore({ endpoints: [cluster.endpoints[2]!, cluster.endpoints[2]!] });
    try {
      const seen = await partial.health();
      assert.equal(seen.quorum, true, seen.message);
      assert.equal(seen.leader, health.leader);
      assert.equal(seen.members.filter((m) => m.reachable).length, 3, seen.message);
    } finally {
      await partial.close();
    }
  });

  it('loses the leader without a client noticing: once another leads, writes and reads succeed', async () => {
    await store.put('/ha/before', 'one');
    const { leader } = await store.health();
    await cluster.members.find((m) => m.name === leader)!.kill();
    // The election takes a moment (the benchmark times a write through it); then nothing has changed.
    await untilNewLeader(store, leader);
    assert.equal((await store.put('/ha/after-one-lost', 'two')).ok, true);
    assert.equal((await store.get('/ha/before'))?.value, 'one');
    const health = await store.health();
    assert.equal(health.quorum, true, health.message);
    assert.notEqual(health.leader, leader, 'another member leads');
    assert.equal(health.members.find((m) => m.name === leader)?.reachable, false);
  });

  it('refuses writes and reads with "no quorum" when two of three are gone, and heals when one is back', async () => {
    const survivorsBefore = cluster.members.filter((m) => m.running);
    await survivorsBefore[0]!.kill();
    const refused = await store.put('/ha/without-quorum', 'lost').then(
      () => assert.fail('a write without a quorum was accepted'),
      (err: unknown) => err as Error & { detail?: { quorum?: boolean } },
    );
    assert.ok(isUnavailable(refused), String(refused));
    assert.match(refused.message, /no quorum: 1 of 3 members answer/);
    assert.match(refused.message, /not acknowledged, and may still be applied .*read before retrying/);
    assert.equal(refused.detail?.quorum, false);
    await assert.rejects(store.get('/ha/before'), /no quorum/);
    assert.equal((await store.health()).quorum, false);

    await survivorsBefore[0]!.start();
    // The client reconnects to the member that came back within a few seconds (its channels retry every
    // second at most); a write before that is refused as above, and one after is acknowledged.
    await untilWritten(store, '/ha/healed', 'three');
    // Every acknowledged write is there. The refused one may be too: the last member may have logged it
    // as leader, and Raft commits that entry once a majority is back, which is why the error says so.
    const stored = (await store.range('/ha/')).kvs.map((kv) => `${kv.key}=${kv.value}`);
    for (const acknowledged of ['/ha/after-one-lost=two', '/ha/before=one', '/ha/healed=three'])
      assert.ok(stored.includes(acknowledged), `${acknowledged} in ${stored.join(' ')}`);
    for (const member of cluster.members) await member.start();
    const health = await store.health();
    assert.equal(health.members.filter((m) => m.reachable).length, 3, health.message);
  });
});

async function untilNewLeader(store: Store, old: string | undefined): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const health = await store.health();
    if (health.quorum && health.leader !== undefined && health.leader !== old) return;
    if (Date.now() > deadline) assert.fail(`no new leader within 30 s: ${health.message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function untilWritten(store: Store, key: string, value: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const failed = await store.put(key, value).then(
      (r) => (r.ok ? undefined : 'not written'),
      (err: unknown) => (err as Error).message,
    );
    if (failed === undefined) return;
    if (Date.now() > deadline) assert.fail(`no write within 30 s of the quorum's return: ${failed}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
