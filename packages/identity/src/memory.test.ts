// Runs the shared cases against the in-memory Store.
import { createMemoryStore } from '@stevedore/store';
import { runIdentityCases } from './identity.case.js';

runIdentityCases('the memory store', () => Promise.resolve(createMemoryStore()));
