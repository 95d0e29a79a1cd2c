import { createMemoryStore } from '@stevedore/store';
import { apiCases } from './api.case.js';

apiCases('the memory store', () => {
  const store = createMemoryStore();
  return Promise.resolve({ store, close: () => store.close() });
});
