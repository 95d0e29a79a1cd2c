/**
 * Durable background jobs on the Store: the one object a process builds. Kinds are defined per process
 * (a process only runs kinds it defined); records, schedules' slots and claims live in the Store, so any
 * process's runner can run any queued job of a kind it knows, and a job outlives the process that ran it.
 *
 * Delivery is at least once and never concurrent: a job whose runner died mid-attempt runs again (a new
 * attempt) once the runner's lease expired, so handlers must be safe to repeat; two attempts of one job
 * never overlap (see `runner.ts`).
 */
import { InvalidArgumentError } from '@stevedore/errors';
import type { Store } from '@stevedore/store';
import type { z } from 'zod';
import {
  cancelJob,
  enqueueJob,
  getJob,
  listJobs,
  pruneJobs,
  type EnqueueOptions,
  type JobPage,
  type ListOptions,
  type PruneOptions,
} from './job-store.js';
import { checkKindName, KindRegistry, makeKind, type JobKindOptions } from './kinds.js';
import type { JobRecord } from './record.js';
import { JobRunner, type RunnerOptions } from './runner.js';
import { startSchedule, type ScheduleHandle, type ScheduleOptions, type ScheduleSpec } from './schedule.js';

export interface JobsOptions {
  /** Failed attempts are recorded on the job; this hears about Store trouble and handler crashes. */
  readonly onError?: (err: unknown, context: { readonly jobId?: string; readonly what: string }) => void;
  /** Lines handlers pass to `ctx.log`. */
  readonly onLog?: (
    message: string,
    context: { readonly jobId: string; readonly kind: string; readonly attempt: number },
  ) => void;
}

export class Jobs {
  private readonly kinds = new KindRegistry();
  private readonly schedules = new Map<string, ScheduleHandle>();
  private readonly runners = new Set<JobRunner>();

  constructor(
    private readonly store: Store,
    private readonly options: JobsOptions = {},
  ) {}

  /** Defines a kind: its payload schema, handler and retry policy. Define before enqueueing or scheduling. */
  define<S extends z.ZodType>(kind: string, options: JobKindOptions<S>): void {
    this.kinds.add(makeKind(kind, options));
  }

  /**
   * Adds a job (payload checked against the kind's schema: InvalidArgumentError naming the field). With an
   * `idempotencyKey` already used for this kind, answers that job instead of adding one.
   */
  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}): Promise<JobRecord> {
    return enqueueJob(this.store, { ...options, kind: this.kinds.get(kind), payload }, (r) =>
      this.store.txn(r),
    );
  }

  get(id: string): Promise<JobRecord | undefined> {
    return getJob(this.store, id);
  }

  /** Newest first; filter by kind and state; page with `after: page.next`. */
  list(options: ListOptions = {}): Promise<JobPage> {
    return listJobs(this.store, options);
  }

  /**
   * A queued job ends cancelled and never runs; a running one has its signal aborted and ends cancelled
   * when its handler returns (the answer then shows `cancelRequested`). FailedPrecondition for a job
   * that already succeeded or failed.
   */
  cancel(id: string): Promise<JobRecord> {
    return cancelJob(this.store, id);
  }

  /** Deletes finished jobs older than `finishedBefore` (see `pruneJobs`); answers how many went. */
  prune(options: PruneOptions): Promise<number> {
    return pruneJobs(this.store, options);
  }

  /** Fires `spec.kind` once per `everySeconds` slot in the whole cluster (see `schedule.ts`). */
  schedule(name: string, spec: ScheduleSpec, options: ScheduleOptions = {}): ScheduleHandle {
    checkKindName(name, 'schedule name');
    if (this.schedules.has(name)) {
      throw new InvalidArgumentError(`schedule ${JSON.stringify(name)} is already running in this process`, {
        detail: { field: 'name' },
      });
    }
    const started = startSchedule(
      this.store,
      name,
      this.kinds.get(spec.kind),
      spec,
      { onError: (err, what) => this.options.onError?.(err, { what }) },
      options,
    );
    const handle: ScheduleHandle = {
      name,
      get isLeader() {
        return started.isLeader;
      },
      stop: async () => {
        this.schedules.delete(name);
        await started.stop();
      },
    };
    this.schedules.set(name, handle);
    return handle;
  }

  /** Starts this process's runner (one per process is enough: `concurrency` sets its parallelism). */
  startRunner(options: RunnerOptions = {}): JobRunner {
    const runner = new JobRunner(
      this.store,
      this.kinds,
      {
        onError: (err, context) => this.options.onError?.(err, context),
        onLog: (message, context) => this.options.onLog?.(message, context),
      },
      options,
    );
    this.runners.add(runner);
    return runner;
  }

  /** Stops every schedule and runner started here (the Store stays open: it is the caller's). */
  async close(): Promise<void> {
    await Promise.all([...this.schedules.values()].map((s) => s.stop()));
    await Promise.all([...this.runners].map((r) => r.close()));
    this.runners.clear();
  }
}
