/**
 * Following a prefix of the Store: read everything under it at one revision, watch from the next one, and
 * start over from a fresh read whenever the watch fails (Kubernetes' reflector: list, then watch). The one
 * copy of that loop; the access model, the cluster settings and the registry's tag cache run on it.
 *
 * Invariants:
 * - The consumer sees sessions: `onSnapshot(kvs, r)` (the whole prefix at revision r, every page read at r),
 *   then `onRevision(events, r')` for each later revision that changed the prefix, in commit order, with no
 *   gap and no duplicate, until the watch fails; then `onDown`, and after a reload a new `onSnapshot` that
 *   replaces everything before it. With `snapshot: false` the snapshot is empty: only its revision counts.
 * - `onRevision` gets a revision's events all at once. A revision is known to be whole when an event of a
 *   later one arrives, or when the watch has gone idle (a `setImmediate` after the last event: every Store
 *   implementation pushes a revision's events in one synchronous burst — the local stores on commit, etcd
 *   per watch response, which never splits a revision — and buffered events are consumed in microtasks,
 *   which all run before `setImmediate`).
 * - `revision` (everything up to it has been handed over) never goes back.
 * - After a CompactedError the reload starts at once (the first time in a row; then with backoff); after
 *   any other failure it waits `retry.minMs` (100 ms), doubling up to `retry.maxMs` (5 s). The delay resets
 *   when the watch delivers an event or has run for `maxMs`.
 * - A callback that throws is reported to `onError`; following goes on. Once `close()` is called no
 *   callback runs, and its promise resolves when the loop has ended.
 */
import { UnavailableError } from '@stevedore/errors';
import { isCompacted } from './compacted-error.js';
import type { KeyValue, Store, Watch, WatchEvent } from './contract.js';

export interface RetryPolicy {
  readonly minMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { minMs: 100, maxMs: 5000 };

/** Kubernetes' reflector reads 500 items a page; well under etcd's default 4 MiB message for small records. */
export const DEFAULT_PAGE_SIZE = 500;

export interface FollowOptions {
  /** The state under the prefix at `revision`; replaces whatever came before (start, and every reload). */
  readonly onSnapshot?: (kvs: readonly KeyValue[], revision: number) => void;
  /** The events of one revision after the snapshot, all at once, in commit order. */
  readonly onRevision?: (events: readonly WatchEvent[], revision: number) => void;
  /** Following stopped (the watch or a reload failed, told to `onError`); it retries after `retryInMs`. */
  readonly onDown?: (retryInMs: number) => void;
  /** Failures of the watch and of reloads, and errors thrown by the other callbacks. */
  readonly onError?: (err: unknown) => void;
  /** False: no range, `onSnapshot` gets no keys, only the revision changes are followed from. Default true. */
  readonly snapshot?: boolean;
  readonly pageSize?: number;
  readonly retry?: RetryPolicy;
}

export interface Follower {
  /**
   * Resolves once the first snapshot was handed over and the watch is open. Rejects if that first read
   * fails (the follower has then stopped), or if `close()` came first.
   */
  readonly ready: Promise<void>;
  /** Every change up to this revision has been handed over. */
  readonly revision: number;
  close(): Promise<void>;
}

export function follow(store: Store, prefix: string, options: FollowOptions): Follower {
  return new PrefixFollower(store, prefix, options);
}

/**
 * Everything under `prefix` at one revision, `pageSize` keys at a time: the later pages are read at the first
 * page's revision. If that state goes away meanwhile (CompactedError) it reads again, up to 5 times.
 */
export async function rangeAll(
  store: Store,
  prefix: string,
  pageSize = DEFAULT_PAGE_SIZE,
): Promise<{ kvs: KeyValue[]; revision: number }> {
  for (let attempt = 1; ; attempt++) {
    const first = await store.range(prefix, { limit: pageSize });
    const kvs = [...first.kvs];
    try {
      for (let more = first.more; more;) {
        const after = kvs.at(-1)!.key;
        const page = await store.range(prefix, { limit: pageSize, after, revision: first.revision });
        for (const kv of page.kvs) kvs.push(kv);
        more = page.more;
      }
      return { kvs, revision: first.revision };
    } catch (err) {
      if (!isCompacted(err) || attempt >= 5) throw err;
    }
  }
}

class PrefixFollower implements Follower {
  readonly ready: Promise<void>;
  private readonly loop: Promise<void>;
  private readonly retry: RetryPolicy;
  private current = 0;
  private closed = false;
  private watch: Watch | undefined;
  private pending: WatchEvent[] = [];
  private flushScheduled = false;
  private delayMs: number;
  /** Failures since following last worked: only the first, if a compaction, reloads at once. */
  private streak = 0;
  private sessionStart = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    private readonly options: FollowOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.delayMs = this.retry.minMs;
    let started: (err?: unknown) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      started = (err) => {
        if (err === undefined) resolve();
        else
          reject(
            err instanceof Error
              ? err
              : new UnavailableError(`following '${prefix}' failed to start`, { cause: err }),
          );
      };
    });
    this.ready.catch(() => undefined); // a consumer that never awaits `ready` must not crash the process
    this.loop = this.run(started);
  }

  get revision(): number {
    return this.current;
  }

  close(): Promise<void> {
    this.closed = true;
    this.watch?.close();
    this.wake?.();
    return this.loop;
  }

  private async run(started: (err?: unknown) => void): Promise<void> {
    let first = true;
    for (;;) {
      try {
        await this.load();
      } catch (err) {
        if (first) return started(err);
        if (this.closed) return;
        await this.retryAfter(err);
        continue;
      }
      if (this.closed) {
        if (first)
          started(new UnavailableError(`following '${this.prefix}' was stopped before it was ready`));
        return;
      }
      if (first) started();
      first = false;
      const failure = await this.drain(this.watch!);
      if (this.closed) return;
      await this.retryAfter(failure);
    }
  }

  /** Reads the snapshot, opens the watch from the revision after it, then hands the snapshot over. */
  private async load(): Promise<void> {
    const { kvs, revision } =
      this.options.snapshot === false
        ? { kvs: [], revision: await this.store.revision() }
        : await rangeAll(this.store, this.prefix, this.options.pageSize);
    if (this.closed) return;
    this.watch = this.store.watch(this.prefix, { fromRevision: revision + 1 });
    this.sessionStart = Date.now();
    this.current = revision;
    this.call(this.options.onSnapshot, kvs, revision);
  }

  /** Consumes the watch until it fails or ends; returns why (meaningless once closed). */
  private async drain(watch: Watch): Promise<unknown> {
    try {
      for await (const event of watch) {
        const head = this.pending[0];
        if (head && event.revision !== head.revision) this.flush();
        this.pending.push(event);
        this.scheduleFlush();
        this.succeeded();
      }
    } catch (err) {
      return err;
    }
    return new UnavailableError(`the Store watch of '${this.prefix}' ended; reading the prefix again`);
  }

  private async retryAfter(err: unknown): Promise<void> {
    // Events of the failed session not yet handed over are covered by the next snapshot.
    this.pending = [];
    this.watch?.close();
    this.watch = undefined;
    if (this.sessionStart > 0 && Date.now() - this.sessionStart >= this.retry.maxMs) this.succeeded();
    this.sessionStart = 0;
    this.streak++;
    let waitMs = 0;
    if (!isCompacted(err) || this.streak > 1) {
      waitMs = this.delayMs;
      this.delayMs = Math.min(this.delayMs * 2, this.retry.maxMs);
    }
    this.report(err);
    this.call(this.options.onDown, waitMs);
    if (waitMs > 0 && !this.closed) await this.pause(waitMs);
  }

  private succeeded(): void {
    this.delayMs = this.retry.minMs;
    this.streak = 0;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const events = this.pending;
    const last = events.at(-1);
    if (!last || this.closed) return;
    this.pending = [];
    this.current = last.revision;
    this.call(this.options.onRevision, events, last.revision);
  }

  /** Runs a consumer callback; what it throws goes to `onError`. */
  private call<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
    if (!fn || this.closed) return;
    try {
      fn(...args);
    } catch (err) {
      this.report(err);
    }
  }

  private report(err: unknown): void {
    if (this.closed) return;
    try {
      this.options.onError?.(err);
    } catch {
      // The error reporter failed too; following must go on regardless.
    }
  }
}
