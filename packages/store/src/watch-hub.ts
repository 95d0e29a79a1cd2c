/**
 * Watches for the local (memory, SQLite) stores: history replay from the backend, then live fan-out.
 *
 * Why there is no gap and no duplicate: the backend and the hub run on one thread and commits are
 * synchronous, so between reading the history (every event up to the current revision) and subscribing
 * to live events (every event after it) no commit can happen.
 */
import type { WatchEvent } from './contract.js';
import { CompactedError } from './compacted-error.js';
import type { LocalBackend } from './local-backend.js';
import { WatchQueue } from './watch-queue.js';

interface Subscriber {
  readonly prefix: string;
  readonly queue: WatchQueue;
  /** Live events below this revision are not for this watch (it asked to start in the future). */
  floor: number;
}

export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly backend: LocalBackend) {}

  open(prefix: string, fromRevision: number | undefined): WatchQueue {
    const current = this.backend.revision();
    const subscriber: Subscriber = {
      prefix,
      queue: new WatchQueue(() => this.subscribers.delete(subscriber)),
      floor: fromRevision ?? current + 1,
    };
    if (fromRevision !== undefined && fromRevision <= current) {
      const compacted = this.backend.compactRevision();
      if (fromRevision < compacted) {
        subscriber.queue.fail(new CompactedError(fromRevision, compacted));
        return subscriber.queue;
      }
      for (const event of this.backend.history(prefix, fromRevision)) subscriber.queue.push(event);
    }
    this.subscribers.add(subscriber);
    return subscriber.queue;
  }

  /** Fans one committed revision's events out to the matching watches. */
  publish(events: readonly WatchEvent[]): void {
    for (const subscriber of this.subscribers) {
      for (const event of events) {
        if (event.revision < subscriber.floor) continue;
        const key = event.type === 'put' ? event.kv.key : event.key;
        if (key.startsWith(subscriber.prefix)) subscriber.queue.push(event);
      }
    }
  }

  /** Ends every watch (the store is closing). */
  closeAll(): void {
    for (const subscriber of [...this.subscribers]) subscriber.queue.close();
  }
}
