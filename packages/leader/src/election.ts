/**
 * `runWhileLeader`: contend for `/leader/<name>` and run `fn` only while holding it, using nothing but the
 * Store contract's leases, transactions and watches (so it behaves the same on memory, SQLite and etcd).
 *
 * How it works (etcd's concurrency/election, minus the queue):
 * - Each contender keeps a `LeaseSession`. To become leader it runs one txn: "if `/leader/<name>` does not
 *   exist, put it with my lease". The key's createRevision is the term's fencing token.
 * - A contender that lost watches the key and tries again when it is deleted (the leader resigned, or its
 *   lease expired because it died), and every TTL anyway in case a watch event was missed.
 * - The leader's signal aborts when: its session ends (renewal answered NotFound, or could not be renewed
 *   for 2/3 of the TTL — see `lease-session.ts`), the key is deleted or rewritten by anyone, or `stop()`.
 *   Afterwards the contender, while not stopped, campaigns again (with a fresh lease if the old one went).
 *
 * Invariants:
 * - Within one process `fn` never runs twice at once: after a loss we wait for `fn` to settle before
 *   campaigning again, and `stop()` waits for it too. So `fn` must honour its signal.
 * - Across processes a term is exclusive: only one key, created only if absent. A deposed leader may still
 *   be running for a moment after its successor started (the TTL/3 margin covers a handler that stops
 *   promptly); writes that must not land then go through `leaderTxn`.
 * - `stop()` resigns: after `fn` settled it revokes the lease, deleting the key, so a successor takes over
 *   at once instead of after the TTL.
 * - `fn` returning or throwing while still leader does not resign: a throw is reported to `onError` and
 *   `fn` runs again after an exponential backoff (`restartBackoffMs`, 1 s doubling to 30 s); a return runs
 *   it again after the initial delay. Leadership is kept meanwhile, so a failing task does not make the
 *   cluster's leaders churn.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError } from '@stevedore/errors';
import type { KeyValue, Store, Watch } from '@stevedore/store';
import { Backoff, sleep } from './abortable.js';
import { notLeaderError, type LeaderTerm } from './fencing.js';
import { leaderKey } from './keys.js';
import { LeaseSession } from './lease-session.js';

export type LeaderFn = (signal: AbortSignal, term: LeaderTerm) => Promise<void>;

export type LeaderChange =
  | { readonly leader: true; readonly term: LeaderTerm }
  | { readonly leader: false; readonly term: LeaderTerm; readonly reason: string };

export interface LeaderOptions {
  /** Lease TTL in whole seconds (default 5): how long a dead leader blocks a successor. Renewed every TTL/3. */
  readonly ttlSeconds?: number;
  /** Who this contender is, written into the leader key (default `<hostname>:<pid>:<random>`). */
  readonly contender?: string;
  readonly onChange?: (change: LeaderChange) => void;
  /** Told when `fn` throws and when a Store call fails (it is retried). */
  readonly onError?: (err: unknown, context: { readonly name: string; readonly what: string }) => void;
  /** Delay before running `fn` again after it returned or threw while still leader. */
  readonly restartBackoffMs?: { readonly initial: number; readonly max: number };
}

export interface LeaderHandle {
  readonly isLeader: boolean;
  /** The current term while leader. */
  readonly term: LeaderTerm | undefined;
  /** Calls `listener` on every gain and loss; returns a function that unsubscribes. */
  onChange(listener: (change: LeaderChange) => void): () => void;
  /** Stops contending: aborts `fn`, waits for it to settle, then resigns (revokes the lease). */
  stop(): Promise<void>;
}

export const DEFAULT_LEADER_TTL_SECONDS = 5;
const RETRY = { initial: 200, max: 5000 };

export function runWhileLeader(
  store: Store,
  name: string,
  fn: LeaderFn,
  options: LeaderOptions = {},
): LeaderHandle {
  return new Contender(store, name, fn, options);
}

class Contender implements LeaderHandle {
  private readonly key: string;
  private readonly ttlSeconds: number;
  private readonly contender: string;
  private readonly stopping = new AbortController();
  private readonly listeners = new Set<(change: LeaderChange) => void>();
  private current: LeaderTerm | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly name: string,
    private readonly fn: LeaderFn,
    private readonly options: LeaderOptions,
  ) {
    this.key = leaderKey(name);
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_LEADER_TTL_SECONDS;
    if (!Number.isSafeInteger(this.ttlSeconds) || this.ttlSeconds < 1) {
      throw new InvalidArgumentError(
        `ttlSeconds must be a whole number of seconds >= 1, got ${this.ttlSeconds}`,
        {
          detail: { field: 'ttlSeconds' },
        },
      );
    }
    this.contender = options.contender ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    if (options.onChange) this.listeners.add(options.onChange);
    this.done = this.run();
  }

  get isLeader(): boolean {
    return this.current !== undefined;
  }

  get term(): LeaderTerm | undefined {
    return this.current;
  }

  onChange(listener: (change: LeaderChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('stopped'));
    await this.done;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private report(err: unknown, what: string): void {
    this.options.onError?.(err, { name: this.name, what });
  }

  private emit(change: LeaderChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.report(err, 'notify a leadership listener');
      }
    }
  }

  private async run(): Promise<void> {
    const retry = new Backoff(RETRY.initial, RETRY.max);
    while (!this.stopped) {
      let session: LeaseSession;
      try {
        session = await LeaseSession.open(this.store, this.ttlSeconds, {
          onError: (err, what) => this.report(err, what),
        });
      } catch (err) {
        this.report(err, 'grant a lease');
        await sleep(retry.next(), this.stopping.signal);
        continue;
      }
      try {
        await this.campaign(session, retry);
      } finally {
        await session.close();
      }
    }
  }

  /** Tries to become leader, leads, and tries again, for as long as the session lives. */
  private async campaign(session: LeaseSession, retry: Backoff): Promise<void> {
    const signal = AbortSignal.any([session.signal, this.stopping.signal]);
    while (!signal.aborted) {
      let holder: KeyValue | undefined;
      try {
        const res = await this.store.txn({
          compares: [{ key: this.key, target: 'modRevision', equals: 0 }],
          success: [
            {
              type: 'put',
              key: this.key,
              value: JSON.stringify({ contender: this.contender, since: new Date().toISOString() }),
              lease: session.lease.id,
            },
          ],
          failure: [{ type: 'get', key: this.key }],
        });
        retry.reset();
        if (res.succeeded) {
          const term = { name: this.name, key: this.key, token: res.revision, contender: this.contender };
          await this.lead(session, { ...term, leaseId: session.lease.id });
          continue;
        }
        holder = res.results[0];
      } catch (err) {
        if (signal.aborted) return;
        this.report(err, `campaign for ${this.key}`);
        await sleep(retry.next(), signal);
        continue;
      }
      if (holder === undefined) continue; // deleted between compare and read: try again at once
      await this.waitForChange(holder, session.ttlMs, signal);
    }
  }

  /** Resolves when the holder's key changes, after `recheckMs` (a missed event), or when `signal` aborts. */
  private async waitForChange(holder: KeyValue, recheckMs: number, signal: AbortSignal): Promise<void> {
    let watch: Watch;
    try {
      watch = this.store.watch(this.key, { fromRevision: holder.modRevision + 1 });
    } catch (err) {
      this.report(err, `watch ${this.key}`);
      return sleep(RETRY.initial, signal);
    }
    const close = () => watch.close();
    const timer = setTimeout(close, recheckMs);
    signal.addEventListener('abort', close, { once: true });
    try {
      for await (const event of watch) {
        if ((event.type === 'put' ? event.kv.key : event.key) === this.key) return;
      }
    } catch (err) {
      if (signal.aborted) return;
      this.report(err, `watch ${this.key}`);
      await sleep(RETRY.initial, signal);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', close);
      watch.close();
    }
  }

  /** Runs `fn` for as long as `term` lasts; returns once the term is over and `fn` has settled. */
  private async lead(session: LeaseSession, term: LeaderTerm): Promise<void> {
    const controller = new AbortController();
    const lose = (why: string) => {
      if (controller.signal.aborted) return;
      this.current = undefined;
      controller.abort(notLeaderError(term, why));
      this.emit({ leader: false, term, reason: why });
    };
    const onSessionEnd = () => lose(reasonOf(session.signal, 'the lease was lost'));
    const onStop = () => lose('the contender was stopped');
    this.current = term;
    this.emit({ leader: true, term });
    session.signal.addEventListener('abort', onSessionEnd, { once: true });
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    if (session.signal.aborted) onSessionEnd();
    if (this.stopped) onStop();
    const watching = this.watchTerm(term, controller.signal, lose);
    try {
      await this.runFn(term, controller.signal);
    } finally {
      lose('the leader function ended');
      session.signal.removeEventListener('abort', onSessionEnd);
      this.stopping.signal.removeEventListener('abort', onStop);
      await watching;
    }
  }

  private async runFn(term: LeaderTerm, signal: AbortSignal): Promise<void> {
    const { initial, max } = this.options.restartBackoffMs ?? { initial: 1000, max: 30_000 };
    const backoff = new Backoff(initial, max);
    while (!signal.aborted) {
      let delay: number;
      try {
        await this.fn(signal, term);
        backoff.reset();
        delay = initial;
      } catch (err) {
        if (signal.aborted) return;
        this.report(err, `run the leader function of ${JSON.stringify(this.name)}`);
        delay = backoff.next();
      }
      await sleep(delay, signal);
    }
  }

  /** Calls `lose` when the leader key is deleted or rewritten; returns when `signal` aborts. */
  private async watchTerm(term: LeaderTerm, signal: AbortSignal, lose: (why: string) => void): Promise<void> {
    let from = term.token + 1;
    const retry = new Backoff(100, 2000);
    while (!signal.aborted) {
      try {
        const watch = this.store.watch(term.key, { fromRevision: from });
        const close = () => watch.close();
        signal.addEventListener('abort', close, { once: true });
        try {
          for await (const event of watch) {
            from = event.revision + 1;
            if (event.type === 'delete' && event.key === term.key) return lose(`${term.key} was deleted`);
            if (event.type === 'put' && event.kv.key === term.key && event.kv.modRevision !== term.token) {
              return lose(`${term.key} was overwritten`);
            }
          }
        } finally {
          signal.removeEventListener('abort', close);
          watch.close();
        }
        if (signal.aborted) return;
      } catch (err) {
        if (signal.aborted) return;
        this.report(err, `watch ${term.key}`);
      }
      // The watch failed or ended (compacted history, a closed store): look at the key, then watch again.
      await sleep(retry.next(), signal);
      if (signal.aborted) return;
      try {
        const res = await this.store.txn({ compares: [], success: [{ type: 'get', key: term.key }] });
        if (res.results[0]?.modRevision !== term.token) return lose(`${term.key} changed hands`);
        from = res.revision + 1;
      } catch (err) {
        this.report(err, `read ${term.key}`);
      }
    }
  }
}

function reasonOf(signal: AbortSignal, fallback: string): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : fallback;
}
