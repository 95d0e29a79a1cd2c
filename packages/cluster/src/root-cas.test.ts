import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFailedPrecondition, isInternal } from '@stevedore/errors';
import { clusterKeyPath, loadOrCreateCa, readCa } from '@stevedore/pki';
import { createMemoryStore, type PutOptions, type Store } from '@stevedore/store';
import { openRootCas, ROOT_CAS_KEY } from './root-cas.js';

describe('one cluster identity: the root CAs in the Store, sealed under the cluster key', () => {
  let base: string;
  let n = 0;
  const dir = () => join(base, `manager-${++n}`, 'pki');
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'stevedore-root-cas-'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('the first manager makes them; the Store holds no key in the clear; a restart finds the same', async () => {
    const store = createMemoryStore();
    const first = dir();
    const made = await openRootCas(store, first);
    assert.equal(made.origin, 'new');
    const record = (await store.get(ROOT_CAS_KEY))!.value;
    assert.ok(record.includes(made.clusterCa.certPem.split('\n')[1]!), 'certificates are public');
    assert.ok(!record.includes('PRIVATE KEY'));
    assert.equal((await stat(clusterKeyPath(first))).mode & 0o777, 0o600);
    const again = await openRootCas(store, first);
    assert.equal(again.origin, 'store');
    assert.deepEqual([again.clusterCa, again.clientCa], [made.clusterCa, made.clientCa]);
    assert.deepEqual(await readCa(first, 'client-root-ca'), made.clientCa, 'a copy in the data dir');
  });

  it('a manager with the cluster key takes the same CAs; one without it or with another is refused', async () => {
    const store = createMemoryStore();
    const first = dir();
    const made = await openRootCas(store, first);

    const joined = dir();
    await mkdir(joined, { recursive: true });
    await copyFile(clusterKeyPath(first), clusterKeyPath(joined));
    const taken = await openRootCas(store, joined);
    assert.equal(taken.origin, 'store');
    assert.deepEqual([taken.clusterCa, taken.clientCa], [made.clusterCa, made.clientCa]);

    const keyless = dir();
    const refused = await rejection(openRootCas(store, keyless));
    assert.ok(isFailedPrecondition(refused));
    assert.match(refused.message, /no cluster key .*cluster-key.*joins with a manager token/);
    await assert.rejects(readdir(keyless), /ENOENT/, 'a refused start writes nothing');

    const stranger = dir();
    await openRootCas(createMemoryStore(), stranger); // another cluster's key and CAs
    const foreign = await rejection(openRootCas(store, stranger));
    assert.ok(isFailedPrecondition(foreign));
    assert.match(foreign.message, /sealed under another cluster key/);
    assert.equal((await store.get(ROOT_CAS_KEY))!.value.length > 0, true);
  });

  it("moves an older install's CAs from its data dir into the Store, and refuses another cluster's", async () => {
    const store = createMemoryStore();
    const older = dir();
    const ca = await loadOrCreateCa(older, 'cluster-root-ca', { commonName: 'old', validityDays: 30 });
    const client = await loadOrCreateCa(older, 'client-root-ca', { commonName: 'old', validityDays: 30 });
    const moved = await openRootCas(store, older);
    assert.equal(moved.origin, 'data-dir');
    // Existing node certificates and client bundles stay trusted.
    assert.deepEqual(
      [moved.clusterCa.certPem, moved.clientCa.certPem, moved.clusterCa.keyPem],
      [ca.certPem, client.certPem, ca.keyPem],
    );

    const otherCluster = dir();
    await copyFile(clusterKeyPath(older), join(await mkdirOf(otherCluster), 'cluster-key'));
    await loadOrCreateCa(otherCluster, 'cluster-root-ca', { commonName: 'other', validityDays: 30 });
    const refused = await rejection(openRootCas(store, otherCluster));
    assert.ok(isFailedPrecondition(refused));
    assert.match(refused.message, /belongs to another cluster/);
    assert.notEqual((await readCa(otherCluster, 'cluster-root-ca'))!.certPem, ca.certPem, 'left as it was');
  });

  it('two first managers at once: one identity wins, the other is told to get its key', async () => {
    const store = createMemoryStore();
    const [a, b] = [dir(), dir()];
    const results = await Promise.allSettled([openRootCas(store, a), openRootCas(store, b)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    const lost = results.find((r) => r.status === 'rejected')!;
    assert.ok(isFailedPrecondition(lost.reason as Error));
    const loser = results[0].status === 'rejected' ? a : b;
    await assert.rejects(stat(clusterKeyPath(loser)), /ENOENT/, 'the key it made for nothing is gone');
  });

  it('a create that committed but answered "not created" (a retried request) is still ours', async () => {
    const inner = createMemoryStore();
    // As etcd's client does when it re-sends a create that had committed: the second try finds the key.
    const store = Object.assign(Object.create(inner) as Store, {
      put: async (key: string, value: string, options?: PutOptions) => {
        const first = await inner.put(key, value, options);
        return key === ROOT_CAS_KEY ? { ok: false, revision: first.revision } : first;
      },
    });
    const first = dir();
    const made = await openRootCas(store, first);
    assert.equal(made.origin, 'new');
    assert.ok((await stat(clusterKeyPath(first))).isFile(), 'the key that seals the record is kept');
    assert.deepEqual((await openRootCas(inner, first)).clusterCa, made.clusterCa);
  });

  it('a damaged record is an internal error that names the key', async () => {
    const store = createMemoryStore();
    const first = dir();
    await openRootCas(store, first);
    await store.put(ROOT_CAS_KEY, '{"clusterCa":{}}');
    const err = await rejection(openRootCas(store, first));
    assert.ok(isInternal(err));
    assert.match(err.message, /\/pki\/root-cas/);
  });
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  return assert.fail('expected a rejection');
}

async function mkdirOf(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}
