/**
 * The test tiers (tools/run-tests.mjs): `npm run test:unit` sets STEVEDORE_TEST_TIER=unit and runs only
 * files that need nothing but Node. Every starter of a real component calls this first, so a test that
 * needs a daemon but is not named *.int.test.ts (or *.e2e.test.ts) fails at once in the unit tier with a
 * message that says how to fix it, instead of quietly making the fast tier slow.
 */
import { FailedPreconditionError } from '@stevedore/errors';

export function requireIntegrationTier(what: string): void {
  if (process.env.STEVEDORE_TEST_TIER !== 'unit') return;
  throw new FailedPreconditionError(
    `${what} is not available to unit tests: name the test file *.int.test.ts (run it with npm test)`,
    { detail: { tier: 'unit' } },
  );
}
