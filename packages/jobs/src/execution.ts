/**
 * One attempt of one job, on the runner that claimed it: runs the handler with a signal, records progress,
 * and writes the attempt's end — only while this runner still holds the claim it made.
 *
 * Invariants:
 * - Every write compares the claim key's modRevision with the claim this attempt made (and the record's
 *   with the one just read), so after the claim is gone nothing this attempt does lands.
 * - The signal aborts on cancel, timeout, the runner closing, or the claim being lost (lease expired,
 *   claim key deleted or overwritten). After a loss the attempt writes nothing: the job belongs to whoever
 *   takes it over.
 */
import { Backoff, sleep, type LeaseSession } from '@stevedore/leader';
import type { Store } from '@stevedore/store';
import { readJob, recordOps, putRecord } from './job-store.js';
import { jobKeys } from './keys.js';
import { parsePayload, type JobContext, type JobKind } from './kinds.js';
import { attemptEnded, backoffMs, cut, errorText, type AttemptResult, type JobRecord } from './record.js';

export type AbortCause = 'cancelled' | 'timeout' | 'closing' | 'lost';

export interface ExecutionHooks {
  readonly onError: (err: unknown, what: string) => void;
  readonly onLog: (message: string) => void;
}

const HEARTBEAT_EVERY_MS = 1000;

export class Execution {
  private readonly controller = new AbortController();
  private cause: AbortCause | undefined;
  private ending = false;
  private progress: string | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastHeartbeat = 0;
  readonly done: Promise<void>;

  constructor(
    private readonly store: Store,
    readonly record: JobRecord,
    /** The revision of the txn that created this attempt's claim key. */
    readonly claimRevision: number,
    private readonly kind: JobKind,
    private readonly session: LeaseSession,
    private readonly hooks: ExecutionHooks,
  ) {
    this.done = this.run();
  }

  get jobId(): string {
    return this.record.id;
  }

  /** Aborts the handler's signal (the first cause wins); a no-op once the attempt is being written. */
  abort(cause: AbortCause): void {
    if (this.ending || this.cause !== undefined) return;
    this.cause = cause;
    this.controller.abort(new Error(describe(cause, this.kind)));
  }

  private async run(): Promise<void> {
    const onLost = () => this.abort('lost');
    this.session.signal.addEventListener('abort', onLost, { once: true });
    if (this.session.signal.aborted) onLost();
    const timeout =
      this.kind.timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => this.abort('timeout'), this.kind.timeoutSeconds * 1000);
    let ended: AttemptResult | undefined;
    try {
      ended = await this.attempt();
    } finally {
      this.ending = true;
      clearTimeout(timeout);
      clearTimeout(this.heartbeatTimer);
      this.session.signal.removeEventListener('abort', onLost);
    }
    if (ended) await this.write((record) => attemptEnded(record, ended, Date.now()), true);
  }

  /** Runs the handler; answers how the attempt ended, or undefined when the claim was lost. */
  private async attempt(): Promise<AttemptResult | undefined> {
    const ctx: JobContext = {
      signal: this.controller.signal,
      attempt: this.record.attempts,
      jobId: this.record.id,
      heartbeat: (progress) => this.heartbeat(progress),
      log: (message) => this.hooks.onLog(message),
    };
    let result: unknown;
    try {
      const payload = parsePayload(this.kind, this.record.payload);
      result = await this.kind.handler(payload, ctx);
    } catch (err) {
      switch (this.cause) {
        case 'lost':
          return undefined;
        case 'cancelled':
          return { outcome: 'cancelled' };
        case 'closing':
          return { outcome: 'interrupted' };
        case 'timeout':
          return this.failed(`timed out after ${this.kind.timeoutSeconds} s`);
        case undefined:
          return this.failed(errorText(err));
      }
    }
    if (this.cause === 'lost') return undefined;
    // A cancelled job ends cancelled even if its handler finished anyway; a late finish otherwise counts.
    if (this.cause === 'cancelled') return { outcome: 'cancelled' };
    return { outcome: 'succeeded', result };
  }

  private failed(error: string): AttemptResult {
    const retryAt = Date.now() + backoffMs(this.record.attempts, this.kind.backoff);
    return { outcome: 'failed', error, retryAt };
  }

  private heartbeat(progress?: string): void {
    if (this.ending) return;
    if (progress !== undefined) this.progress = cut(progress);
    if (this.heartbeatTimer) return;
    const wait = Math.max(0, this.lastHeartbeat + HEARTBEAT_EVERY_MS - Date.now());
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      this.lastHeartbeat = Date.now();
      const progress = this.progress;
      if (this.ending || progress === undefined) return;
      void this.write((record) => ({ ...record, progress }), false, 1).catch((err: unknown) =>
        this.hooks.onError(err, 'record progress'),
      );
    }, wait);
  }

  /**
   * Writes `change(record)`, and with `release` the end of the attempt (run index updated, claim deleted).
   * Retries on a concurrent record change (a cancel request, a heartbeat) and on Store errors, at most
   * `tries` times, while the claim lasts.
   */
  private async write(
    change: (record: JobRecord) => JobRecord,
    release: boolean,
    tries = Infinity,
  ): Promise<void> {
    const retry = new Backoff(100, 2000);
    for (let attempt = 0; attempt < tries; attempt++) {
      if (this.session.signal.aborted) return;
      try {
        const snapshot = await readJob(this.store, this.record.id);
        if (!snapshot || snapshot.claim?.modRevision !== this.claimRevision) return; // the claim is gone
        const next = change(snapshot.record);
        const res = await this.store.txn({
          compares: [
            { key: jobKeys.record(next.id), target: 'modRevision', equals: snapshot.recordRevision },
            { key: jobKeys.claim(next.id), target: 'modRevision', equals: this.claimRevision },
          ],
          success: release
            ? [...recordOps(next), { type: 'delete', key: jobKeys.claim(next.id) }]
            : [putRecord(next)],
        });
        if (res.succeeded) return;
      } catch (err) {
        this.hooks.onError(err, `record the end of job ${this.record.id}`);
        await sleep(retry.next(), this.session.signal);
      }
    }
  }
}

function describe(cause: AbortCause, kind: JobKind): string {
  switch (cause) {
    case 'cancelled':
      return 'the job was cancelled';
    case 'timeout':
      return `the attempt timed out after ${kind.timeoutSeconds} s`;
    case 'closing':
      return 'the job runner is shutting down';
    case 'lost':
      return 'the runner lost its claim on the job (its lease expired or the claim key went)';
  }
}
