// Runs the shared cases against the in-memory Store.
import { createMemoryStore } from '@stevedore/store';
import { runAccessCases } from './access.case.js';

runAccessCases('the memory store', () => Promise.resolve(createMemoryStore()));
