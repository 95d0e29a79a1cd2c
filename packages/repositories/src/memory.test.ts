// Runs the shared cases against the in-memory Store.
import { createMemoryStore } from '@stevedore/store';
import { runRepositoryCases } from './repositories.case.js';

runRepositoryCases('the memory store', () => Promise.resolve(createMemoryStore()));
