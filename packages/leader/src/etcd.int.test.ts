import { runElectionSuite } from './election-suite.js';
import { etcdHarness } from './testing/shared-store.js';

runElectionSuite(etcdHarness());
