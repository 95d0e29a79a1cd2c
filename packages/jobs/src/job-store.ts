/**
 * Job records in the Store: reading one with its claim at one revision, enqueue (idempotent by key, in one
 * txn), cancel, list. Every write compares the modRevisions it read, so a concurrent change makes it read
 * again instead of overwriting.
 */
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '@stevedore/errors';
import type { Compare, KeyValue, Op, Store, TxnRequest, TxnResult } from '@stevedore/store';
import { checkJobId, jobKeys, newJobId, RECORDS_PREFIX } from './keys.js';
import { parsePayload, type JobKind } from './kinds.js';
import { cancelledNow, isFinished, newRecord, type JobRecord, type JobState, JOB_STATES } from './record.js';

/** What runners follow: a small copy of the due time, and whether a cancel was asked for. */
export interface PendingEntry {
  readonly kind: string;
  /** Epoch milliseconds. */
  readonly nextRunAt: number;
  readonly cancel?: boolean;
}

export function pendingOf(record: JobRecord): PendingEntry {
  return {
    kind: record.kind,
    nextRunAt: Date.parse(record.nextRunAt),
    ...(record.cancelRequested ? { cancel: true } : {}),
  };
}

export function putRecord(record: JobRecord): Op {
  return { type: 'put', key: jobKeys.record(record.id), value: JSON.stringify(record) };
}

export function putPending(record: JobRecord): Op {
  return { type: 'put', key: jobKeys.pending(record.id), value: JSON.stringify(pendingOf(record)) };
}

/** The record, its pending entry and claim as ops: finished jobs leave the run index. */
export function recordOps(record: JobRecord): Op[] {
  return isFinished(record.state)
    ? [putRecord(record), { type: 'delete', key: jobKeys.pending(record.id) }]
    : [putRecord(record), putPending(record)];
}

export function parseRecord(kv: KeyValue): JobRecord {
  return JSON.parse(kv.value) as JobRecord;
}

export interface JobSnapshot {
  readonly record: JobRecord;
  readonly recordRevision: number;
  /** The claim key, if some runner holds the job. */
  readonly claim: KeyValue | undefined;
}

/** The record and its claim at one revision (a read-only txn). */
export async function readJob(store: Store, id: string): Promise<JobSnapshot | undefined> {
  const res = await store.txn({
    compares: [],
    success: [
      { type: 'get', key: jobKeys.record(id) },
      { type: 'get', key: jobKeys.claim(id) },
    ],
  });
  const [kv, claim] = res.results;
  if (!kv) return undefined;
  return { record: parseRecord(kv), recordRevision: kv.modRevision, claim };
}

export interface EnqueueOptions {
  /** A second enqueue with the same key (per kind) answers the first job instead of adding one. */
  readonly idempotencyKey?: string;
  /** Not before this time (default: now). */
  readonly runAt?: Date;
}

export type Txn = (request: TxnRequest) => Promise<TxnResult>;

export interface EnqueueRequest extends EnqueueOptions {
  readonly kind: JobKind;
  readonly payload: unknown;
  readonly schedule?: string;
}

/** Enqueues; `txn` lets a schedule add the leader's fencing compare. */
export async function enqueueJob(store: Store, request: EnqueueRequest, txn: Txn): Promise<JobRecord> {
  const { kind, idempotencyKey } = request;
  const payload = parsePayload(kind, request.payload);
  if (
    idempotencyKey !== undefined &&
    (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 256)
  ) {
    throw new InvalidArgumentError('idempotencyKey must be a string of 1-256 characters', {
      detail: { field: 'idempotencyKey' },
    });
  }
  const runAt = request.runAt?.getTime() ?? Date.now();
  if (!Number.isFinite(runAt)) {
    throw new InvalidArgumentError('runAt must be a valid date', { detail: { field: 'runAt' } });
  }
  const idemKey = idempotencyKey === undefined ? undefined : jobKeys.idempotency(kind.name, idempotencyKey);
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = Date.now();
    const record = newRecord(
      {
        id: newJobId(now),
        kind: kind.name,
        payload,
        maxAttempts: kind.maxAttempts,
        runAt,
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
        ...(request.schedule !== undefined ? { schedule: request.schedule } : {}),
      },
      now,
    );
    const success: Op[] = [putRecord(record), putPending(record)];
    const compares: Compare[] = [];
    if (idemKey !== undefined) {
      success.push({ type: 'put', key: idemKey, value: record.id });
      compares.push({ key: idemKey, target: 'modRevision', equals: 0 });
    }
    const res = await txn({ compares, success, failure: idemKey ? [{ type: 'get', key: idemKey }] : [] });
    if (res.succeeded) return record;
    const held = res.results[0];
    if (!held || !idemKey) continue;
    const existing = await store.get(jobKeys.record(held.value));
    if (existing) return parseRecord(existing);
    // The key outlived its job (deleted by hand): drop it, unless it changed meanwhile, and try again.
    await store.delete(idemKey, { ifModRevision: held.modRevision });
  }
  throw new UnavailableError(
    `could not enqueue the ${kind.name} job: the Store kept changing under it; retry`,
  );
}

export async function cancelJob(store: Store, id: string): Promise<JobRecord> {
  checkJobId(id);
  for (let attempt = 0; attempt < 10; attempt++) {
    const snapshot = await readJob(store, id);
    if (!snapshot) throw new NotFoundError(`job ${id} does not exist`, { detail: { id } });
    const { record, recordRevision, claim } = snapshot;
    if (record.state === 'cancelled') return record;
    if (isFinished(record.state)) {
      throw new FailedPreconditionError(`job ${id} already ${record.state}; there is nothing to cancel`, {
        detail: { id, state: record.state },
      });
    }
    const sameRecord: Compare = { key: jobKeys.record(id), target: 'modRevision', equals: recordRevision };
    let next: JobRecord;
    let compares: Compare[];
    if (claim === undefined) {
      // Nobody runs it: it ends here, and no runner can claim it any more (the record's revision moves on).
      next = cancelledNow(record, Date.now());
      compares = [sameRecord, { key: jobKeys.claim(id), target: 'modRevision', equals: 0 }];
    } else {
      if (record.cancelRequested) return record;
      // Its runner sees the pending entry change, aborts the handler and writes the end.
      next = { ...record, cancelRequested: true };
      compares = [sameRecord];
    }
    const res = await store.txn({ compares, success: recordOps(next) });
    if (res.succeeded) return next;
  }
  throw new UnavailableError(`could not cancel job ${id}: it kept changing; retry`);
}

export async function getJob(store: Store, id: string): Promise<JobRecord | undefined> {
  checkJobId(id);
  const kv = await store.get(jobKeys.record(id));
  return kv && parseRecord(kv);
}

export interface ListOptions {
  readonly kind?: string;
  readonly state?: JobState;
  /** At most this many (default 100, at most 1000). */
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly after?: string;
}

export interface JobPage {
  readonly jobs: readonly JobRecord[];
  /** Pass as `after` for the next page; absent on the last page. */
  readonly next?: string;
}

/** Newest first. Filters read past non-matching records, so a rare filter scans the whole prefix. */
export async function listJobs(store: Store, options: ListOptions = {}): Promise<JobPage> {
  const limit = options.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidArgumentError(`limit must be an integer from 1 to 1000, got ${limit}`, {
      detail: { field: 'limit' },
    });
  }
  if (options.state !== undefined && !JOB_STATES.includes(options.state)) {
    throw new InvalidArgumentError(`state must be one of ${JOB_STATES.join(', ')}`, {
      detail: { field: 'state' },
    });
  }
  if (options.after !== undefined) checkJobId(options.after);
  const jobs: JobRecord[] = [];
  const pageSize = Math.min(Math.max(limit, 100), 500);
  let after = options.after === undefined ? undefined : jobKeys.record(options.after);
  for (;;) {
    const page = await store.range(RECORDS_PREFIX, {
      limit: pageSize,
      ...(after !== undefined ? { after } : {}),
    });
    for (const [i, kv] of page.kvs.entries()) {
      const record = parseRecord(kv);
      if (options.kind !== undefined && record.kind !== options.kind) continue;
      if (options.state !== undefined && record.state !== options.state) continue;
      jobs.push(record);
      if (jobs.length === limit) {
        const more = i < page.kvs.length - 1 || page.more;
        return more ? { jobs, next: record.id } : { jobs };
      }
    }
    if (!page.more || page.kvs.length === 0) return { jobs };
    after = page.kvs.at(-1)!.key;
  }
}

export interface PruneOptions {
  /** Delete jobs that finished before this time. */
  readonly finishedBefore: Date;
  /** Only jobs of this kind (kinds may want different retention). */
  readonly kind?: string;
  /** Delete at most this many (default 1000), so one call stays short. */
  readonly limit?: number;
}

/**
 * Deletes finished jobs (succeeded, failed, cancelled) that finished before `finishedBefore`, with their
 * idempotency keys; answers how many. Each deletion compares the record's modRevision, so a record that
 * changed meanwhile is left alone. Reads every record: run it now and then (e.g. an hourly schedule).
 */
export async function pruneJobs(store: Store, options: PruneOptions): Promise<number> {
  const cutoff = options.finishedBefore.getTime();
  if (!Number.isFinite(cutoff)) {
    throw new InvalidArgumentError('finishedBefore must be a valid date', {
      detail: { field: 'finishedBefore' },
    });
  }
  const limit = options.limit ?? 1000;
  let deleted = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.range(RECORDS_PREFIX, { limit: 500, ...(after !== undefined ? { after } : {}) });
    for (const kv of page.kvs) {
      const record = parseRecord(kv);
      if (options.kind !== undefined && record.kind !== options.kind) continue;
      if (!isFinished(record.state) || !(Date.parse(record.finishedAt ?? '') < cutoff)) continue;
      const ops: Op[] = [{ type: 'delete', key: kv.key }];
      if (record.idempotencyKey !== undefined) {
        ops.push({ type: 'delete', key: jobKeys.idempotency(record.kind, record.idempotencyKey) });
      }
      const res = await store.txn({
        compares: [{ key: kv.key, target: 'modRevision', equals: kv.modRevision }],
        success: ops,
      });
      if (res.succeeded && ++deleted >= limit) return deleted;
    }
    if (!page.more || page.kvs.length === 0) return deleted;
    after = page.kvs.at(-1)!.key;
  }
}
