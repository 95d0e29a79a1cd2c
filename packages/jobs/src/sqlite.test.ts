import { sqliteHarness } from '@stevedore/leader/testing';
import { runJobsSuite } from './jobs-suite.js';

runJobsSuite(sqliteHarness());
