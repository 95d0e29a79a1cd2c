/**
 * The one test suite every Store implementation runs (distribution's storage driver testsuites, hono's
 * shared case files): `runStoreConformance('sqlite', harness)` from an implementation's test file registers
 * the cases with node:test. The contract's invariants are in `contract.ts`; each is checked here.
 */
import { after, before, describe } from 'node:test';
import type { Store } from './contract.js';
import type { StoreHarness } from './conformance-helpers.js';
import { kvCases } from './conformance-kv.js';
import { txnCases } from './conformance-txn.js';
import { leaseCases } from './conformance-lease.js';
import { watchCases } from './conformance-watch.js';

export type { StoreHarness } from './conformance-helpers.js';

export function runStoreConformance(name: string, harness: StoreHarness): void {
  /** Runs one case with its own store, closed afterwards whatever happens. */
  const use = async (fn: (store: Store) => Promise<void>, empty = false): Promise<void> => {
    const store = await (empty ? harness.openEmpty() : harness.open());
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };
  describe(`Store conformance: ${name}`, () => {
    before(async () => harness.setup?.());
    after(async () => harness.teardown?.());
    describe('revisions, keys, ranges', () => kvCases(use));
    describe('conditional writes and transactions', () => txnCases(use));
    describe('watch', () => watchCases(use));
    describe('leases', () => leaseCases(use));
  });
}
