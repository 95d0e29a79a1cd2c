/**
 * The identity behaviour every Store implementation must show; `memory.test.ts`, `sqlite.test.ts` and
 * `etcd.int.test.ts` run it. Time is a fake clock; the KDF cost is lowered through the settings (never in
 * production), so the suite needs no sleeping and little CPU. The cases are in `accounts.case.ts`,
 * `login.case.ts`, `bundles.case.ts` and `credentials.case.ts`; `case-helpers.ts` holds what they share.
 */
import { describe } from 'node:test';
import type { Store } from '@stevedore/store';
import { accountCases } from './accounts.case.js';
import { bundleCases } from './bundles.case.js';
import { credentialCases } from './credentials.case.js';
import { fakeClock, TEST_KDF, type Setup } from './case-helpers.js';
import { createIdentity } from './identity.js';
import { loginCases } from './login.case.js';

export function runIdentityCases(name: string, open: () => Promise<Store>): void {
  const setup: Setup = async (options = {}) => {
    const store = await open();
    const clock = fakeClock();
    const identity = createIdentity(store, { kdf: TEST_KDF, now: clock.now, ...options });
    return { store, clock, identity };
  };
  describe(`identity on ${name}`, () => {
    accountCases(setup);
    loginCases(setup);
    bundleCases(setup);
    credentialCases(setup);
  });
}
