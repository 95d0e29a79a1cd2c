/**
 * The access suite (including the live model, whose watch runs over etcd's watch stream) against a real,
 * private etcd. The cases share one member; each starts from an empty `/iam/` and `/auth/`.
 */
import { after, before } from 'node:test';
import { startEtcd, type EtcdInstance } from '@stevedore/testkit';
import { AUTH_PREFIX, IAM_PREFIX } from '@stevedore/identity';
import { openEtcdStore } from '@stevedore/store';
import { runAccessCases } from './access.case.js';

let etcd: EtcdInstance | undefined;
before(async () => {
  etcd = await startEtcd();
});
after(() => etcd?.stop());

runAccessCases('etcd', async () => {
  const store = await openEtcdStore({ endpoints: [etcd!.endpoint] });
  for (const prefix of [IAM_PREFIX, AUTH_PREFIX]) {
    const { kvs } = await store.range(prefix);
    if (kvs.length > 0)
      await store.txn({ compares: [], success: kvs.map((kv) => ({ type: 'delete', key: kv.key })) });
  }
  return store;
});
