/**
 * A lease kept alive in the background (etcd's concurrency.Session): the one primitive that leader
 * election and job claims stand on. Keys attached to `lease.id` live exactly as long as the session.
 *
 * Invariants:
 * - `signal` aborts as soon as the session can no longer prove that its lease is alive, and *before* the
 *   Store can have let it expire: the Store expires a lease no earlier than `ttl` after it received our
 *   last renewal, which is after we sent it; we give up `ttl * 2/3` after sending the last renewal that
 *   succeeded (renewing every `ttl / 3`, so one failed renewal is tolerated). Whoever runs work under the
 *   session therefore has `ttl / 3` to stop it before another process can take the lease's keys over.
 * - A renewal answered with NotFound (the lease expired or was revoked) ends the session at once.
 * - Deadlines use the monotonic clock (`performance.now()`), so a wall-clock step changes nothing.
 * - `close()` stops renewing and, by default, revokes the lease, so its keys go at once.
 */
import { isNotFound } from '@stevedore/errors';
import type { Lease, Store } from '@stevedore/store';

export interface LeaseSessionOptions {
  /** Told about renewals that failed (other than the lease being gone). */
  readonly onError?: (err: unknown, what: string) => void;
}

export class LeaseSession {
  private readonly controller = new AbortController();
  private lastRenewSentAt: number;
  private renewTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private renewing = false;
  private closed = false;

  private constructor(
    readonly lease: Lease,
    grantSentAt: number,
    private readonly options: LeaseSessionOptions,
  ) {
    this.lastRenewSentAt = grantSentAt;
    this.armDeadline();
    this.scheduleRenew(this.periodMs);
  }

  /** Grants a lease of `ttlSeconds` (the Store may grant more: etcd's minimum is about 2 s) and keeps it. */
  static async open(
    store: Store,
    ttlSeconds: number,
    options: LeaseSessionOptions = {},
  ): Promise<LeaseSession> {
    const sentAt = performance.now();
    const lease = await store.grantLease(ttlSeconds);
    return new LeaseSession(lease, sentAt, options);
  }

  /** Aborted (with an Error saying why) when the lease is lost or the session closed. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get ttlMs(): number {
    return this.lease.ttlSeconds * 1000;
  }

  private get periodMs(): number {
    return this.ttlMs / 3;
  }

  /** Stops renewing; revokes the lease unless `revoke` is false (then its keys live until the TTL). */
  async close(revoke = true): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.end('the lease session was closed');
    if (!revoke) return;
    // The lease may already be gone (expired, or the Store unreachable): then there is nothing to release.
    await this.lease.revoke().catch((err: unknown) => {
      if (!isNotFound(err)) this.options.onError?.(err, `revoke lease ${this.lease.id}`);
    });
  }

  private end(reason: string): void {
    clearTimeout(this.renewTimer);
    clearTimeout(this.deadlineTimer);
    if (!this.controller.signal.aborted) this.controller.abort(new Error(reason));
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const deadline = this.lastRenewSentAt + (this.ttlMs * 2) / 3;
    this.deadlineTimer = setTimeout(
      () => this.end(`lease ${this.lease.id} could not be renewed in time; giving up before it expires`),
      Math.max(0, deadline - performance.now()),
    );
  }

  private scheduleRenew(delayMs: number): void {
    if (this.signal.aborted) return;
    clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => void this.renew(), delayMs);
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.signal.aborted) return;
    this.renewing = true;
    const sentAt = performance.now();
    try {
      await this.lease.keepAlive();
      if (this.signal.aborted) return;
      this.lastRenewSentAt = sentAt;
      this.armDeadline();
      this.scheduleRenew(this.periodMs);
    } catch (err) {
      if (this.signal.aborted) return;
      if (isNotFound(err)) return this.end(`lease ${this.lease.id} expired or was revoked`);
      this.options.onError?.(err, `renew lease ${this.lease.id}`);
      // Try again soon: the deadline timer ends the session if no renewal gets through in time.
      this.scheduleRenew(Math.min(this.periodMs / 2, 500));
    } finally {
      this.renewing = false;
    }
  }
}
