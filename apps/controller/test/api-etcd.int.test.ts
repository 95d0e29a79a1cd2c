import { openEtcdStore } from '@stevedore/store';
import { startEtcd } from '@stevedore/testkit';
import { apiCases } from './api.case.js';

apiCases('a real etcd', async () => {
  const etcd = await startEtcd();
  const store = await openEtcdStore({ endpoints: [etcd.endpoint] });
  return {
    store,
    close: async () => {
      await store.close();
      await etcd.stop();
    },
  };
});
