/** The in-memory Store, for unit tests: the local core over Maps. Nothing survives `close()`. */
import type { Store } from './contract.js';
import { LocalStore } from './local-store.js';
import { MemoryBackend } from './memory-backend.js';

export function createMemoryStore(): Store {
  return new LocalStore(new MemoryBackend());
}
