/**
 * Throttling of failed logins, per user name and per remote address, cluster-wide: the state is in the
 * Store (`/auth/throttle/<sha256 of the key>`), so five failures through any mix of managers lock the name
 * or address on every one of them, and a restart forgets nothing.
 *
 * `maxFailures` failures within `windowSeconds` lock the key out for `lockoutSeconds`; each further lockout
 * of the same key doubles that, up to `maxLockoutSeconds`. A successful login resets the *user* key only:
 * resetting the address on success would let one valid account clear its address's record while guessing
 * at others. A key that has been quiet for a window plus the longest lockout is forgotten (every 1,000th
 * failure a process records sweeps the quiet ones away).
 *
 * Cost: a check is one read per key; a failure writes (a compare-and-swap on the key's record, retried on a
 * concurrent change), and so does a success only when its user key has a record; a locked key's attempts
 * are refused before any write or password work. As before, guesses sent in parallel all pass the check
 * before the first failure is counted, so a burst of N at once gets N guesses. Keys are hashed to keep
 * names and addresses out of key listings (not secret: an IPv4 address is found from its hash at once).
 * Lockout times are wall-clock times of the manager that wrote them: managers need synchronised clocks.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, ResourceExhaustedError } from '@stevedore/errors';
import { rangeAll, type KeyValue, type Store } from '@stevedore/store';
import { AUTH_PREFIX } from './keys.js';
import { decode, encode } from './records.js';
import type { ThrottleSettings } from './settings.js';

const keyStateSchema = z.object({
  /** failure times (ms) within the window */
  failures: z.array(z.number()),
  lockedUntil: z.number(),
  /** lockouts so far; the next one lasts lockoutSeconds · 2^lockouts */
  lockouts: z.number().int().nonnegative(),
  lastFailure: z.number(),
});
type KeyState = z.infer<typeof keyStateSchema>;

export const THROTTLE_PREFIX = `${AUTH_PREFIX}throttle/`;
const SWEEP_EVERY = 1000;
const MAX_CAS_ATTEMPTS = 20;

const storeKey = (key: string) => `${THROTTLE_PREFIX}${createHash('sha256').update(key).digest('hex')}`;

export class LoginThrottle {
  private sinceSweep = 0;

  constructor(
    private readonly store: Store,
    /** Read at each use: an administrator's change of the settings applies at once. */
    private readonly settings: () => ThrottleSettings,
    private readonly now: () => number,
  ) {}

  /**
   * Throws ResourceExhausted with `detail.retryAfterSeconds` when any of the keys is locked out; answers
   * the modRevision of each key that has a record (for `succeeded`).
   */
  async check(keys: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const now = this.now();
    const records = await Promise.all(keys.map((key) => this.store.get(storeKey(key))));
    let until = 0;
    const seen = new Map<string, number>();
    records.forEach((kv, i) => {
      if (!kv) return;
      seen.set(keys[i]!, kv.modRevision);
      until = Math.max(until, decode(keyStateSchema, kv).lockedUntil);
    });
    if (until > now) {
      const retryAfterSeconds = Math.ceil((until - now) / 1000);
      throw new ResourceExhaustedError(
        `too many failed logins; wait ${retryAfterSeconds} seconds before trying again`,
        { detail: { retryAfterSeconds } },
      );
    }
    return seen;
  }

  async failed(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.record(storeKey(key))));
    if (++this.sinceSweep >= SWEEP_EVERY) {
      this.sinceSweep = 0;
      await this.sweep();
    }
  }

  /** Forgets the key's failures, if `check` saw a record and nobody counted one since. */
  async succeeded(key: string, seen: ReadonlyMap<string, number>): Promise<void> {
    const modRevision = seen.get(key);
    if (modRevision !== undefined) await this.store.delete(storeKey(key), { ifModRevision: modRevision });
  }

  /** One failure of one key: read, count, write back if nobody changed it meanwhile. */
  private async record(key: string): Promise<void> {
    for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
      const kv = await this.store.get(key);
      const next = this.counted(kv ? decode(keyStateSchema, kv) : undefined, this.now());
      const { ok } = await this.store.put(key, encode(next), { ifModRevision: kv?.modRevision ?? 0 });
      if (ok) return;
    }
    throw new ConflictError('too many concurrent failed logins for one name or address; try again');
  }

  private counted(previous: KeyState | undefined, now: number): KeyState {
    const { maxFailures, windowSeconds, lockoutSeconds, maxLockoutSeconds } = this.settings();
    const fresh = !previous || this.isStale(previous, now);
    const s: KeyState = {
      failures: fresh ? [] : previous.failures.filter((t) => t > now - windowSeconds * 1000),
      lockedUntil: previous?.lockedUntil ?? 0,
      lockouts: fresh ? 0 : previous.lockouts,
      lastFailure: now,
    };
    s.failures.push(now);
    if (s.failures.length >= maxFailures) {
      const seconds = Math.min(lockoutSeconds * 2 ** s.lockouts, maxLockoutSeconds);
      s.lockedUntil = now + seconds * 1000;
      s.lockouts += 1;
      s.failures = [];
    }
    return s;
  }

  private isStale(s: KeyState, now: number): boolean {
    const { windowSeconds, maxLockoutSeconds } = this.settings();
    return s.lockedUntil <= now && now - s.lastFailure > (windowSeconds + maxLockoutSeconds) * 1000;
  }

  /** Bounds the Store: a flood of failures from many addresses is forgotten once it goes quiet. */
  async sweep(): Promise<number> {
    const now = this.now();
    const { kvs } = await rangeAll(this.store, THROTTLE_PREFIX);
    const stale = kvs.filter((kv: KeyValue) => this.isStale(decode(keyStateSchema, kv), now));
    // A key written since the read is not stale any more: the compare keeps it.
    const results = await Promise.all(
      stale.map((kv) => this.store.delete(kv.key, { ifModRevision: kv.modRevision })),
    );
    return results.filter((r) => r.ok).length;
  }
}

export const throttleKeys = {
  user: (name: string) => `user:${name}`,
  address: (address: string) => `addr:${address}`,
};
