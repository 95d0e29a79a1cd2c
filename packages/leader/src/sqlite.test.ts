import { runElectionSuite } from './election-suite.js';
import { sqliteHarness } from './testing/shared-store.js';

runElectionSuite(sqliteHarness());
