import { runElectionSuite } from './election-suite.js';
import { memoryHarness } from './testing/shared-store.js';

runElectionSuite(memoryHarness());
