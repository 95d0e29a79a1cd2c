/**
 * Promises that resolve once a revision has been reached: the bookkeeping behind
 * `AccessModelSync.waitForRevision`. The revision only moves forward; a waiter resolves on the first
 * `advance` to or past its revision, or rejects with Unavailable after its timeout or on `rejectAll`.
 */
import { UnavailableError } from '@stevedore/errors';

interface Waiter {
  readonly revision: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

export class RevisionWaiters {
  private readonly waiters = new Set<Waiter>();
  private current = 0;

  get revision(): number {
    return this.current;
  }

  /** How many are waiting. */
  get size(): number {
    return this.waiters.size;
  }

  wait(revision: number, timeoutMs: number): Promise<void> {
    if (revision <= this.current) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        revision,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new UnavailableError(
              `the access model did not catch up with revision ${revision} within ${timeoutMs} ms ` +
                `(it is at ${this.current}); the Store watch may be failing, try again`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  advance(revision: number): void {
    if (revision <= this.current) return;
    this.current = revision;
    for (const w of this.waiters) {
      if (w.revision > revision) continue;
      clearTimeout(w.timer);
      this.waiters.delete(w);
      w.resolve();
    }
  }

  rejectAll(err: unknown): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
  }
}
