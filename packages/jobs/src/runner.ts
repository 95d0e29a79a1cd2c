/**
 * The job runner, one per process: follows the run index (`/jobs/run/`), claims due jobs of the kinds this
 * process defines, runs them (`execution.ts`), and takes over jobs whose runner died.
 *
 * Why a job never runs twice at once:
 * - A handler runs only after its runner created the job's claim key in a txn that compared the record's
 *   modRevision with the one just read *and* the claim key with "absent". One key can only be created
 *   once, so of two runners racing for a job at most one txn succeeds; the other sees the claim.
 * - The claim key is attached to the runner's lease, and only its deletion (lease expiry or revoke, or the
 *   end the owner writes) lets anyone claim again. The owning runner aborts its handlers as soon as it can
 *   no longer prove the lease alive, `ttl/3` before the Store can expire it (`LeaseSession`), and as soon
 *   as it sees its claim key deleted or rewritten. A handler that honours its signal has therefore stopped
 *   before another runner can start the job (a process frozen for longer than the TTL is the exception
 *   every lease scheme has: its late writes fail, since each one compares the claim it made).
 *
 * How runners learn of work: a scan of `/jobs/run/` (pending entries and claims, only unfinished jobs), then
 * a watch from the scan's revision; every `rescanSeconds` (and after a watch failure) the scan runs again,
 * in case an event was missed. Due times are timers in memory: no Store reads per waiting job.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError } from '@stevedore/errors';
import { Backoff, LeaseSession, sleep } from '@stevedore/leader';
import type { KeyValue, Store, WatchEvent } from '@stevedore/store';
import { Execution } from './execution.js';
import { pendingOf, readJob, recordOps, type PendingEntry } from './job-store.js';
import { CLAIMS_PREFIX, idUnder, jobKeys, PENDING_PREFIX, RUN_PREFIX } from './keys.js';
import type { JobKind, KindRegistry } from './kinds.js';
import { abandoned, cancelledNow, claimed, isFinished, type JobRecord } from './record.js';

export interface RunnerOptions {
  /** Jobs run at once by this runner (default 4). */
  readonly concurrency?: number;
  /** TTL of the runner's lease, in whole seconds (default 10): how long a dead runner's jobs wait. */
  readonly leaseTtlSeconds?: number;
  /** How often the run index is read again in case a watch event was missed (default 30). */
  readonly rescanSeconds?: number;
  /** This runner's name in job histories (default `<hostname>:<pid>:<random>`). */
  readonly runnerId?: string;
}

export interface RunnerHooks {
  readonly onError: (err: unknown, context: { readonly jobId?: string; readonly what: string }) => void;
  readonly onLog: (
    message: string,
    context: { readonly jobId: string; readonly kind: string; readonly attempt: number },
  ) => void;
}

/** After a claim try that did not start the job, leave it alone this long unless an event says it changed. */
const RETRY_CLAIM_MS = 1000;
const PAGE = 500;

export class JobRunner {
  readonly id: string;
  private readonly concurrency: number;
  private readonly ttlSeconds: number;
  private readonly rescanMs: number;
  private readonly closing = new AbortController();
  /** Pending entries (unfinished jobs) by id, of every kind: a kind may be defined after the runner started. */
  private readonly pending = new Map<string, PendingEntry>();
  /** Claim modRevisions by id, whoever holds them. */
  private readonly claims = new Map<string, number>();
  private readonly running = new Map<string, Execution>();
  /** Claim tries under way, by job id. */
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly notBefore = new Map<string, number>();
  private session: LeaseSession | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  private closeWatch: (() => void) | undefined;
  private readonly loops: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly kinds: KindRegistry,
    private readonly hooks: RunnerHooks,
    options: RunnerOptions = {},
  ) {
    this.id = options.runnerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.concurrency = wholeNumber(options.concurrency ?? 4, 'concurrency');
    this.ttlSeconds = wholeNumber(options.leaseTtlSeconds ?? 10, 'leaseTtlSeconds');
    this.rescanMs = wholeNumber(options.rescanSeconds ?? 30, 'rescanSeconds') * 1000;
    this.loops = Promise.all([this.keepSession(), this.follow()]).then(() => undefined);
  }

  /** Jobs this runner is running now. */
  get runningJobs(): readonly string[] {
    return [...this.running.keys()];
  }

  /**
   * Stops claiming, aborts running handlers, waits for them, writes their attempts back as queued, and
   * releases the runner's lease so other runners can take its jobs at once.
   */
  async close(): Promise<void> {
    if (!this.closing.signal.aborted) {
      this.closing.abort(new Error('the job runner is closing'));
      clearTimeout(this.wakeTimer);
      this.closeWatch?.();
      for (const execution of this.running.values()) execution.abort('closing');
    }
    await this.loops;
  }

  private get closed(): boolean {
    return this.closing.signal.aborted;
  }

  // --- the lease -------------------------------------------------------------------------------------------

  private async keepSession(): Promise<void> {
    const retry = new Backoff(200, 5000);
    while (!this.closed) {
      let session: LeaseSession;
      try {
        session = await LeaseSession.open(this.store, this.ttlSeconds, {
          onError: (err, what) => this.hooks.onError(err, { what }),
        });
      } catch (err) {
        this.hooks.onError(err, { what: 'grant the runner lease' });
        await sleep(retry.next(), this.closing.signal);
        continue;
      }
      retry.reset();
      this.session = session;
      this.schedulePump();
      await new Promise<void>((resolve) => {
        const signal = AbortSignal.any([session.signal, this.closing.signal]);
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      // Lost (every execution was aborted by the session's signal) or closing: wait for claim tries and
      // handlers, so that nothing is still writing under this lease when it is revoked.
      while (this.inflight.size > 0 || this.running.size > 0) {
        await Promise.all([...this.inflight.values(), ...[...this.running.values()].map((e) => e.done)]);
      }
      this.session = undefined;
      await session.close();
    }
  }

  // --- following the run index ---------------------------------------------------------------------------

  private async follow(): Promise<void> {
    const retry = new Backoff(100, 5000);
    while (!this.closed) {
      try {
        const revision = await this.scan();
        if (this.closed) return;
        const watch = this.store.watch(RUN_PREFIX, { fromRevision: revision + 1 });
        const rescan = setTimeout(() => watch.close(), this.rescanMs);
        this.closeWatch = () => watch.close();
        try {
          this.schedulePump();
          for await (const event of watch) {
            this.apply(event);
            retry.reset();
          }
        } finally {
          clearTimeout(rescan);
          this.closeWatch = undefined;
          watch.close();
        }
      } catch (err) {
        if (this.closed) return;
        this.hooks.onError(err, { what: `follow ${RUN_PREFIX}` });
        await sleep(retry.next(), this.closing.signal);
      }
    }
  }

  /** Reads the pending entries and claims afresh; answers the revision to watch from. */
  private async scan(): Promise<number> {
    const pending = await rangeAll(this.store, PENDING_PREFIX);
    const claims = await rangeAll(this.store, CLAIMS_PREFIX);
    this.pending.clear();
    for (const kv of pending.kvs) this.pending.set(kv.key.slice(PENDING_PREFIX.length), parsePending(kv));
    this.claims.clear();
    for (const kv of claims.kvs) this.claims.set(kv.key.slice(CLAIMS_PREFIX.length), kv.modRevision);
    this.notBefore.clear();
    return pending.revision;
  }

  private apply(event: WatchEvent): void {
    const key = event.type === 'put' ? event.kv.key : event.key;
    const pendingId = idUnder(PENDING_PREFIX, key);
    const claimId = idUnder(CLAIMS_PREFIX, key);
    if (pendingId !== undefined) {
      this.notBefore.delete(pendingId);
      if (event.type === 'delete') {
        this.pending.delete(pendingId);
      } else {
        const entry = parsePending(event.kv);
        this.pending.set(pendingId, entry);
        if (entry.cancel) this.running.get(pendingId)?.abort('cancelled');
      }
    } else if (claimId !== undefined) {
      this.notBefore.delete(claimId);
      const execution = this.running.get(claimId);
      if (event.type === 'delete') {
        this.claims.delete(claimId);
        execution?.abort('lost');
      } else {
        this.claims.set(claimId, event.kv.modRevision);
        if (execution && execution.claimRevision !== event.kv.modRevision) execution.abort('lost');
      }
    }
    this.schedulePump();
  }

  // --- claiming ------------------------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Claims due jobs while there is room; sets a timer for the next one that comes due. */
  private pump(): void {
    clearTimeout(this.wakeTimer);
    if (this.closed || !this.session || this.session.signal.aborted) return;
    const now = Date.now();
    const due: [string, number][] = [];
    let wakeAt = Infinity;
    for (const [id, entry] of this.pending) {
      if (this.claims.has(id) || this.running.has(id) || this.inflight.has(id)) continue;
      if (!this.kinds.find(entry.kind)) continue;
      const at = Math.max(entry.nextRunAt, this.notBefore.get(id) ?? 0);
      if (at <= now) due.push([id, at]);
      else wakeAt = Math.min(wakeAt, at);
    }
    due.sort((a, b) => a[1] - b[1]);
    for (const [id] of due) {
      if (this.running.size + this.inflight.size >= this.concurrency) break;
      const trying = this.tryClaim(id, this.session).finally(() => {
        this.inflight.delete(id);
        this.schedulePump();
      });
      this.inflight.set(id, trying);
    }
    if (wakeAt < Infinity) {
      this.wakeTimer = setTimeout(() => this.schedulePump(), Math.min(wakeAt - now, 2 ** 31 - 1));
    }
  }

  /** Reads the job and claims it if it is (still) due; settles abandoned and cancelled leftovers too. */
  private async tryClaim(id: string, session: LeaseSession): Promise<void> {
    this.notBefore.set(id, Date.now() + RETRY_CLAIM_MS);
    try {
      const snapshot = await readJob(this.store, id);
      if (!snapshot) {
        // A pending entry without a record: nothing to run; drop it unless a record appeared meanwhile.
        await this.store.txn({
          compares: [{ key: jobKeys.record(id), target: 'modRevision', equals: 0 }],
          success: [{ type: 'delete', key: jobKeys.pending(id) }],
        });
        return;
      }
      const { record, recordRevision, claim } = snapshot;
      if (claim) return void this.claims.set(id, claim.modRevision);
      const kind = this.kinds.find(record.kind);
      if (!kind) return;
      const now = Date.now();
      const unchanged = [
        { key: jobKeys.record(id), target: 'modRevision' as const, equals: recordRevision },
        { key: jobKeys.claim(id), target: 'modRevision' as const, equals: 0 },
      ];
      // Leftovers first: a finished job still indexed, a cancel its runner never got to, a dead runner's job.
      let next: JobRecord = record;
      if (isFinished(record.state)) next = record;
      else if (record.cancelRequested) next = cancelledNow(record, now);
      else if (record.state === 'running') next = abandoned(record, now);
      if (isFinished(next.state)) {
        await this.store.txn({ compares: unchanged, success: recordOps(next) });
        return;
      }
      if (Date.parse(next.nextRunAt) > now) return void this.pending.set(id, pendingOf(next));
      if (this.closed || session.signal.aborted) return;
      const started = claimed(next, this.id, now);
      const res = await this.store.txn({
        compares: unchanged,
        success: [
          ...recordOps(started),
          {
            type: 'put',
            key: jobKeys.claim(id),
            value: JSON.stringify({ runner: this.id, attempt: started.attempts }),
            lease: session.lease.id,
          },
        ],
      });
      if (!res.succeeded) return;
      this.start(started, res.revision, kind, session);
    } catch (err) {
      this.hooks.onError(err, { jobId: id, what: `claim job ${id}` });
    }
  }

  private start(record: JobRecord, claimRevision: number, kind: JobKind, session: LeaseSession): void {
    this.claims.set(record.id, claimRevision);
    const context = { jobId: record.id, kind: record.kind, attempt: record.attempts };
    const execution = new Execution(this.store, record, claimRevision, kind, session, {
      onError: (err, what) => this.hooks.onError(err, { jobId: record.id, what }),
      onLog: (message) => this.hooks.onLog(message, context),
    });
    this.running.set(record.id, execution);
    // A close() that came while the claim was in flight.
    if (this.closed) execution.abort('closing');
    void execution.done.finally(() => {
      this.running.delete(record.id);
      this.schedulePump();
    });
  }
}

function parsePending(kv: KeyValue): PendingEntry {
  try {
    const entry = JSON.parse(kv.value) as PendingEntry;
    return {
      kind: String(entry.kind),
      nextRunAt: Number(entry.nextRunAt) || 0,
      ...(entry.cancel ? { cancel: true } : {}),
    };
  } catch {
    return { kind: '', nextRunAt: 0 };
  }
}

async function rangeAll(store: Store, prefix: string): Promise<{ kvs: KeyValue[]; revision: number }> {
  const first = await store.range(prefix, { limit: PAGE });
  const kvs = [...first.kvs];
  for (let more = first.more; more;) {
    const page = await store.range(prefix, { limit: PAGE, after: kvs.at(-1)!.key });
    kvs.push(...page.kvs);
    more = page.more && page.kvs.length > 0;
  }
  return { kvs, revision: first.revision };
}

function wholeNumber(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${field} must be a whole number >= 1, got ${value}`, {
      detail: { field },
    });
  }
  return value;
}
