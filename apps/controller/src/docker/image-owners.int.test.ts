// The shared ImageOwners cases (@stevedore/docker-proxy) against the Store-backed records, on the memory,
// SQLite and etcd Stores.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageOwnersCases } from '@stevedore/docker-proxy/image-owners.case';
import { createMemoryStore, openEtcdStore, openSqliteStore, type Store } from '@stevedore/store';
import { startEtcd, type EtcdInstance } from '@stevedore/testkit';
import { createStoreImageOwners, IMAGE_TAGS_PREFIX, imageTagKey } from './image-owners.js';

const fixture = (store: Store) => ({ owners: createStoreImageOwners(store), close: () => store.close() });

imageOwnersCases('the memory Store', () => Promise.resolve(fixture(createMemoryStore())));

const dir = mkdtempSync(join(tmpdir(), 'stevedore-image-owners-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
imageOwnersCases('the SQLite Store', () =>
  Promise.resolve(fixture(openSqliteStore({ path: join(dir, `store-${++n}.db`) }))),
);

// etcd: one private member; each case starts from an empty /docker/image-tags/ (and checks that a get of
// more refs than etcd's 128 operations per transaction still works).
let etcd: EtcdInstance | undefined;
before(async () => {
  etcd = await startEtcd();
});
after(() => etcd?.stop());
imageOwnersCases('the etcd Store', async () => {
  const store = await openEtcdStore({ endpoints: [etcd!.endpoint] });
  const { kvs } = await store.range(IMAGE_TAGS_PREFIX);
  for (const kv of kvs) await store.delete(kv.key);
  return fixture(store);
});

describe('Store-backed image owners', () => {
  it('refuses to read a broken record as none', async () => {
    const store = createMemoryStore();
    await store.put(imageTagKey('docker.io/alice/app:1'), '{"owner":"alice"}');
    const owners = createStoreImageOwners(store);
    await assert.rejects(owners.get(['docker.io/alice/app:1']), /broken image tag record/);
    await assert.rejects(owners.list(), /broken image tag record/);
    await store.close();
  });
});
