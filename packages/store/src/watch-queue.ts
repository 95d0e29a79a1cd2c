/**
 * The consumer side of a watch, shared by every implementation: producers `push` events (or `fail` with an
 * error, e.g. CompactedError), the consumer iterates with `for await`.
 *
 * Invariants:
 * - Events come out in the order they were pushed, each once.
 * - After `close()` (or `break` out of the loop) the iterator finishes and `onClose` runs exactly once, so
 *   the producer can unsubscribe. After `fail(err)` buffered events are still delivered, then `err` is thrown.
 * - The buffer is unbounded: a consumer that never reads holds its events in memory (as etcd's client does).
 */
import type { Watch, WatchEvent } from './contract.js';

export class WatchQueue implements Watch {
  private readonly buffer: WatchEvent[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<WatchEvent>) => void) | undefined;
  private waiterFail: ((err: Error) => void) | undefined;
  private error: Error | undefined;
  private failed = false;
  private closed = false;

  constructor(private readonly onClose: () => void) {}

  get isClosed(): boolean {
    return this.closed || this.failed;
  }

  push(event: WatchEvent): void {
    if (this.isClosed) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.clearWaiter();
      resolve({ value: event, done: false });
    } else {
      this.buffer.push(event);
    }
  }

  fail(err: Error): void {
    if (this.isClosed) return;
    this.failed = true;
    this.error = err;
    this.onClose();
    if (this.waiterFail) {
      const reject = this.waiterFail;
      this.clearWaiter();
      reject(err);
    }
  }

  close(): void {
    if (this.isClosed) return;
    this.closed = true;
    this.buffer.length = 0;
    this.onClose();
    if (this.waiter) {
      const resolve = this.waiter;
      this.clearWaiter();
      resolve({ value: undefined, done: true });
    }
  }

  private clearWaiter(): void {
    this.waiter = undefined;
    this.waiterFail = undefined;
  }

  private next(): Promise<IteratorResult<WatchEvent>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.buffer.length) {
        this.buffer.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.failed) return Promise.reject(this.error ?? new Error('watch failed'));
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.waiterFail = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
