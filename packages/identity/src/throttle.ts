/**
 * Throttling of failed logins, per user name and per remote address.
 *
 * `maxFailures` failures within `windowSeconds` lock the key out for `lockoutSeconds`; each further lockout
 * of the same key doubles that, up to `maxLockoutSeconds`. A successful login resets the *user* key only:
 * resetting the address on success would let one valid account clear its address's record while guessing
 * at others. A key that has been quiet for a window plus the longest lockout is forgotten.
 *
 * The state is in memory, per controller process: with several controllers an attacker gets each one's
 * allowance, and a restart forgets lockouts. That is acceptable for throttling (it bounds guessing rates,
 * it is not an access decision); a cluster-wide counter in the Store would turn every failed login into a
 * write, which is itself a way to load the cluster.
 */
import { ResourceExhaustedError } from '@stevedore/errors';
import type { ThrottleSettings } from './settings.js';

interface KeyState {
  /** failure times (ms) within the window */
  failures: number[];
  lockedUntil: number;
  /** lockouts so far; the next one lasts lockoutSeconds · 2^lockouts */
  lockouts: number;
  lastFailure: number;
}

const SWEEP_EVERY = 1000;

export class LoginThrottle {
  private readonly state = new Map<string, KeyState>();
  private sinceSweep = 0;

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number,
  ) {}

  /** Throws ResourceExhausted with `detail.retryAfterSeconds` when any of the keys is locked out. */
  check(keys: readonly string[]): void {
    const now = this.now();
    let until = 0;
    for (const key of keys) until = Math.max(until, this.state.get(key)?.lockedUntil ?? 0);
    if (until > now) {
      const retryAfterSeconds = Math.ceil((until - now) / 1000);
      throw new ResourceExhaustedError(
        `too many failed logins; wait ${retryAfterSeconds} seconds before trying again`,
        { detail: { retryAfterSeconds } },
      );
    }
  }

  failed(keys: readonly string[]): void {
    const now = this.now();
    const { maxFailures, windowSeconds, lockoutSeconds, maxLockoutSeconds } = this.settings;
    for (const key of keys) {
      const s = this.state.get(key) ?? { failures: [], lockedUntil: 0, lockouts: 0, lastFailure: 0 };
      if (this.isStale(s, now)) Object.assign(s, { failures: [], lockouts: 0 });
      s.failures = s.failures.filter((t) => t > now - windowSeconds * 1000);
      s.failures.push(now);
      s.lastFailure = now;
      if (s.failures.length >= maxFailures) {
        const seconds = Math.min(lockoutSeconds * 2 ** s.lockouts, maxLockoutSeconds);
        s.lockedUntil = now + seconds * 1000;
        s.lockouts += 1;
        s.failures = [];
      }
      this.state.set(key, s);
    }
    if (++this.sinceSweep >= SWEEP_EVERY) this.sweep(now);
  }

  succeeded(key: string): void {
    this.state.delete(key);
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.state.size;
  }

  private isStale(s: KeyState, now: number): boolean {
    const { windowSeconds, maxLockoutSeconds } = this.settings;
    return s.lockedUntil <= now && now - s.lastFailure > (windowSeconds + maxLockoutSeconds) * 1000;
  }

  /** Bounds memory: a flood of failures from many addresses is forgotten once it goes quiet. */
  private sweep(now: number): void {
    this.sinceSweep = 0;
    for (const [key, s] of this.state) if (this.isStale(s, now)) this.state.delete(key);
  }
}

export const throttleKeys = {
  user: (name: string) => `user:${name}`,
  address: (address: string) => `addr:${address}`,
};
