/**
 * Periodic schedules that fire once per cluster, not once per process. Time is cut into slots of
 * `everySeconds`, aligned to the Unix epoch (an hourly schedule fires on the hour, UTC). The leader of the
 * election `jobs.schedule.<name>` enqueues the slot's job with the idempotency key `<name>@<slot start>`:
 * - One leader at a time does the enqueueing, and its enqueue txn carries the leader key compare, so a
 *   deposed leader's late enqueue fails.
 * - Even two leaders in a handover (the old one not yet aware) cannot enqueue a slot twice: the
 *   idempotency key is created in the same txn as the job, only if absent.
 * - A new leader enqueues the current slot at once (a no-op if its predecessor did), then waits for the
 *   next slot. Slots that passed while no process was leader are not caught up: a schedule says "run every
 *   N seconds", not "run once for every N seconds that ever passed".
 *
 * Only intervals: a cron form would need a parser, and nothing in Stevedore needs wall-clock calendars yet.
 */
import { InvalidArgumentError } from '@stevedore/errors';
import { leaderTxn, runWhileLeader, sleep, type LeaderHandle } from '@stevedore/leader';
import type { Store } from '@stevedore/store';
import { enqueueJob } from './job-store.js';
import { parsePayload, type JobKind } from './kinds.js';
import { iso } from './record.js';

const RECHECK_MS = 3600_000;

export interface ScheduleSpec {
  readonly kind: string;
  readonly payload: unknown;
  /** The interval, in whole seconds (>= 1). */
  readonly everySeconds: number;
}

export interface ScheduleOptions {
  /** TTL of the schedule's leader lease (default 5 s): how long a dead leader delays the next slot. */
  readonly leaderTtlSeconds?: number;
}

export interface ScheduleHandle {
  readonly name: string;
  /** True while this process is the one enqueueing the schedule's slots. */
  readonly isLeader: boolean;
  /** Stops contending (a successor elsewhere takes over at once). */
  stop(): Promise<void>;
}

export interface ScheduleHooks {
  readonly onError: (err: unknown, what: string) => void;
}

/** The slot containing `now`: its start, in epoch milliseconds. */
export function slotStart(now: number, everySeconds: number): number {
  const period = everySeconds * 1000;
  return Math.floor(now / period) * period;
}

export function slotKey(name: string, slot: number): string {
  return `${name}@${iso(slot)}`;
}

export function startSchedule(
  store: Store,
  name: string,
  kind: JobKind,
  spec: ScheduleSpec,
  hooks: ScheduleHooks,
  options: ScheduleOptions = {},
): ScheduleHandle {
  const every = spec.everySeconds;
  if (!Number.isSafeInteger(every) || every < 1) {
    throw new InvalidArgumentError(`everySeconds must be a whole number of seconds >= 1, got ${every}`, {
      detail: { field: 'everySeconds' },
    });
  }
  const payload = parsePayload(kind, spec.payload);
  const handle: LeaderHandle = runWhileLeader(
    store,
    `jobs.schedule.${name}`,
    async (signal, term) => {
      while (!signal.aborted) {
        const slot = slotStart(Date.now(), every);
        await enqueueJob(
          store,
          { kind, payload, idempotencyKey: slotKey(name, slot), schedule: name },
          (request) => leaderTxn(store, term, request),
        );
        // Wake at the next slot, or within the hour to look at the clock again (it may have been set).
        await sleep(Math.min(slot + every * 1000 - Date.now(), RECHECK_MS), signal);
      }
    },
    {
      ...(options.leaderTtlSeconds !== undefined ? { ttlSeconds: options.leaderTtlSeconds } : {}),
      onError: (err, context) => hooks.onError(err, `schedule ${name}: ${context.what}`),
    },
  );
  return {
    name,
    get isLeader() {
      return handle.isLeader;
    },
    stop: () => handle.stop(),
  };
}
