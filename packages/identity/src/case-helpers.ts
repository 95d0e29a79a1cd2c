/** What the identity cases share: cheap KDF settings, a fake clock, and the fixture type. */
import assert from 'node:assert/strict';
import type { StevedoreError } from '@stevedore/errors';
import type { Store } from '@stevedore/store';
import type { Identity, IdentityOptions } from './identity.js';

export const TEST_KDF = { log2N: 10, r: 8, p: 1 } as const;
export const PASSWORD = 'correct horse';
export const HOUR = 3_600_000;

export function fakeClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** The error a promise rejects with; fails the test when it fulfils. */
export async function failure(p: Promise<unknown>): Promise<StevedoreError> {
  try {
    await p;
  } catch (err) {
    return err as StevedoreError;
  }
  assert.fail('expected a rejection');
}

export interface Fixture {
  readonly store: Store;
  readonly clock: ReturnType<typeof fakeClock>;
  readonly identity: Identity;
}

export type Setup = (options?: IdentityOptions) => Promise<Fixture>;
