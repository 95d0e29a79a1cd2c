import { join } from 'node:path';
import { openSqliteStore } from '@stevedore/store';
import { apiCases } from './api.case.js';

apiCases('the SQLite store', (dataDir) => {
  const store = openSqliteStore({ path: join(dataDir, 'store.db') });
  return Promise.resolve({ store, close: () => store.close() });
});
