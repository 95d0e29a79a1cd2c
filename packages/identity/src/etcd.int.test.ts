/**
 * The identity suite against a real, private etcd (`startEtcd` from the testkit). The cases share one
 * member; each starts from an empty `/iam/` and `/auth/`.
 */
import { after, before } from 'node:test';
import { startEtcd, type EtcdInstance } from '@stevedore/testkit';
import { openEtcdStore, type Store } from '@stevedore/store';
import { runIdentityCases } from './identity.case.js';
import { AUTH_PREFIX, IAM_PREFIX } from './keys.js';

let etcd: EtcdInstance | undefined;
before(async () => {
  etcd = await startEtcd();
});
after(() => etcd?.stop());

async function emptyEtcdStore(endpoint: string): Promise<Store> {
  const store = await openEtcdStore({ endpoints: [endpoint] });
  for (const prefix of [IAM_PREFIX, AUTH_PREFIX]) {
    const { kvs } = await store.range(prefix);
    if (kvs.length > 0)
      await store.txn({ compares: [], success: kvs.map((kv) => ({ type: 'delete', key: kv.key })) });
  }
  return store;
}

runIdentityCases('etcd', () => emptyEtcdStore(etcd!.endpoint));
