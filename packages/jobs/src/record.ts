/**
 * The job record and its state machine, as pure functions of (record, now, …) → record, so every transition
 * is tested without a Store or timers. The Store code (`enqueue.ts`, `runner.ts`, `execution.ts`) only
 * decides *when* a transition applies and writes its result under compares.
 *
 * ```
 *            claim                 handler ok
 *  queued ─────────────▶ running ─────────────▶ succeeded
 *    ▲  │                  │  │    handler threw, attempts < max
 *    │  │ cancel           │  └──────────────────────────────▶ queued (nextRunAt = now + backoff)
 *    │  ▼                  │       handler threw, attempts = max
 *  cancelled ◀─────────────┘ cancel (signal aborted)  ──────▶ failed
 * ```
 * A running job whose runner vanished (its claim expired) is "abandoned": taken over like a queued one,
 * its attempt counted and marked so in the history. An attempt interrupted by its runner's `close()` is
 * requeued at once and not counted: stopping a process for an upgrade must not use up a job's attempts.
 */

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export type AttemptOutcome = 'succeeded' | 'failed' | 'cancelled' | 'abandoned' | 'interrupted';

export interface AttemptRecord {
  readonly attempt: number;
  /** Which runner ran it (`<hostname>:<pid>:<random>`). */
  readonly runner: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly outcome?: AttemptOutcome;
  readonly error?: string;
}

export interface JobRecord {
  readonly id: string;
  readonly kind: string;
  readonly state: JobState;
  readonly payload: unknown;
  /** Attempts started so far (an interrupted one is given back). */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly lastError?: string;
  readonly createdAt: string;
  /** When the latest attempt started. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** When a queued job is due (its first run, or its next retry). */
  readonly nextRunAt: string;
  readonly idempotencyKey?: string;
  /** Set when the job was enqueued by a schedule. */
  readonly schedule?: string;
  /** A cancel was asked for while it ran; the runner aborts it and it ends cancelled. */
  readonly cancelRequested?: boolean;
  /** The last note the handler passed to `ctx.heartbeat`. */
  readonly progress?: string;
  /** What the handler returned (JSON), when it succeeded and the value was small enough. */
  readonly result?: unknown;
  /** The latest attempts, oldest first, at most `HISTORY_LIMIT`. */
  readonly history: readonly AttemptRecord[];
}

export const HISTORY_LIMIT = 10;
/** Errors and results are cut to this many characters: a record must stay small. */
export const TEXT_LIMIT = 2000;

export function isFinished(state: JobState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled';
}

export interface NewJob {
  readonly id: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly maxAttempts: number;
  readonly runAt: number;
  readonly idempotencyKey?: string;
  readonly schedule?: string;
}

export function newRecord(job: NewJob, now: number): JobRecord {
  return {
    id: job.id,
    kind: job.kind,
    state: 'queued',
    payload: job.payload,
    attempts: 0,
    maxAttempts: job.maxAttempts,
    createdAt: iso(now),
    nextRunAt: iso(job.runAt),
    ...(job.idempotencyKey !== undefined ? { idempotencyKey: job.idempotencyKey } : {}),
    ...(job.schedule !== undefined ? { schedule: job.schedule } : {}),
    history: [],
  };
}

/** A runner starts an attempt. An abandoned running record is closed off first (see `abandoned`). */
export function claimed(record: JobRecord, runner: string, now: number): JobRecord {
  const attempt = record.attempts + 1;
  return {
    ...record,
    state: 'running',
    attempts: attempt,
    startedAt: iso(now),
    history: bounded([...record.history, { attempt, runner, startedAt: iso(now) }]),
  };
}

/** A running record whose claim is gone: its runner died or lost the Store before it finished. */
export function abandoned(record: JobRecord, now: number): JobRecord {
  const last = record.history.at(-1);
  const error = `runner ${last?.runner ?? 'unknown'} stopped renewing its lease mid-attempt (it died or lost the Store)`;
  const closed = closeAttempt(record, now, 'abandoned', error);
  if (record.attempts >= record.maxAttempts) return finish(closed, 'failed', now);
  return { ...closed, state: 'queued', nextRunAt: iso(now) };
}

export type AttemptResult =
  | { readonly outcome: 'succeeded'; readonly result?: unknown }
  | { readonly outcome: 'failed'; readonly error: string; readonly retryAt: number }
  | { readonly outcome: 'cancelled' }
  | { readonly outcome: 'interrupted' };

/** The attempt the record's runner started has ended. */
export function attemptEnded(record: JobRecord, ended: AttemptResult, now: number): JobRecord {
  switch (ended.outcome) {
    case 'succeeded': {
      const closed = closeAttempt(record, now, 'succeeded');
      const result = smallJson(ended.result);
      return { ...finish(closed, 'succeeded', now), ...(result !== undefined ? { result } : {}) };
    }
    case 'cancelled':
      return finish(closeAttempt(record, now, 'cancelled', 'cancelled while running'), 'cancelled', now);
    case 'interrupted': {
      const closed = closeAttempt(record, now, 'interrupted', 'its runner was shut down; requeued');
      return { ...closed, state: 'queued', attempts: record.attempts - 1, nextRunAt: iso(now) };
    }
    case 'failed': {
      const closed = closeAttempt(record, now, 'failed', ended.error);
      if (record.attempts >= record.maxAttempts) return finish(closed, 'failed', now);
      return { ...closed, state: 'queued', nextRunAt: iso(ended.retryAt) };
    }
  }
}

/** A cancel of a job no runner holds (queued, or running with its claim gone). */
export function cancelledNow(record: JobRecord, now: number): JobRecord {
  const closed =
    record.state === 'running'
      ? closeAttempt(record, now, 'cancelled', 'cancelled; its runner was gone')
      : record;
  return finish(closed, 'cancelled', now);
}

function finish(record: JobRecord, state: 'succeeded' | 'failed' | 'cancelled', now: number): JobRecord {
  const { cancelRequested: _, ...rest } = record;
  return { ...rest, state, finishedAt: iso(now) };
}

function closeAttempt(record: JobRecord, now: number, outcome: AttemptOutcome, error?: string): JobRecord {
  const history = [...record.history];
  const last = history.at(-1);
  if (last && last.finishedAt === undefined) {
    history[history.length - 1] = {
      ...last,
      finishedAt: iso(now),
      outcome,
      ...(error !== undefined ? { error: cut(error) } : {}),
    };
  }
  return {
    ...record,
    history,
    ...(error !== undefined && outcome !== 'interrupted' ? { lastError: cut(error) } : {}),
  };
}

function bounded(history: readonly AttemptRecord[]): AttemptRecord[] {
  return history.slice(-HISTORY_LIMIT);
}

/** Exponential backoff: `initialSeconds * 2^(attempt-1)`, capped at `maxSeconds`. */
export function backoffMs(attempt: number, backoff: { initialSeconds: number; maxSeconds: number }): number {
  const seconds = Math.min(backoff.initialSeconds * 2 ** Math.max(0, attempt - 1), backoff.maxSeconds);
  return seconds * 1000;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function cut(text: string): string {
  return text.length <= TEXT_LIMIT ? text : `${text.slice(0, TEXT_LIMIT - 1)}…`;
}

export function errorText(err: unknown): string {
  return cut(err instanceof Error ? err.message || err.name : String(err));
}

/** The value as JSON if it serializes to at most TEXT_LIMIT characters, else undefined. */
function smallJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text !== undefined && text.length <= TEXT_LIMIT ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}
