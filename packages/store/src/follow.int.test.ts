import { startEtcd, type EtcdInstance } from '@stevedore/testkit';
import { openEtcdStore } from './etcd-open.js';
import { runFollowCases } from './follow.case.js';

let etcd: EtcdInstance | undefined;

runFollowCases('etcd', {
  setup: async () => {
    etcd = await startEtcd();
  },
  open: () => openEtcdStore({ endpoints: [etcd!.endpoint] }),
  teardown: async () => {
    await etcd?.stop();
  },
});
