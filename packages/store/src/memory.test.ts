import { createMemoryStore } from './memory-store.js';
import { runStoreConformance } from './conformance.js';

runStoreConformance('memory', {
  open: () => Promise.resolve(createMemoryStore()),
  openEmpty: () => Promise.resolve(createMemoryStore()),
});
