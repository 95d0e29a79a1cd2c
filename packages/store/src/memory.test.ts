import { createMemoryStore } from './memory-store.js';
import { runStoreConformance } from './conformance.js';

runStoreConformance('memory', {
  open: async () => createMemoryStore(),
  openEmpty: async () => createMemoryStore(),
});
