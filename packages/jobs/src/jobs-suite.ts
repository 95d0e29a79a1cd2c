/**
 * The jobs cases every Store implementation runs (`memory.test.ts`, `sqlite.test.ts`, `etcd.int.test.ts`):
 * enqueue and idempotency, validation, retries, cancel, timeouts, exclusivity across runners, handover on
 * close and on lease loss, a runner SIGKILLed in another process, and schedules firing once per slot.
 *
 * Each case defines kinds of its own (the etcd cases share one server), and several `Jobs` objects on one
 * store stand for several processes: they share nothing but the Store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isFailedPrecondition, isInvalidArgument, isNotFound, type StevedoreError } from '@stevedore/errors';
import {
  spawnChild,
  waitFor,
  withRenewalFault,
  type SharedStore,
  type StoreHarness,
} from '@stevedore/leader/testing';
import type { Store } from '@stevedore/store';
import { Jobs } from './jobs.js';
import type { JobRecord, JobState } from './record.js';

const child = fileURLToPath(new URL('./runner.child.ts', import.meta.url));
const unique = (what: string) => `test.${what}-${randomUUID().slice(0, 8)}`;
const empty = z.strictObject({});

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function reach(jobs: Jobs, id: string, state: JobState, timeoutMs = 20_000): Promise<JobRecord> {
  return waitFor(
    `job ${id} to be ${state}`,
    async () => {
      const job = await jobs.get(id);
      return job?.state === state ? job : undefined;
    },
    timeoutMs,
  );
}

function fieldOf(err: unknown): unknown {
  return (err as StevedoreError).detail?.field;
}

export function runJobsSuite(harness: StoreHarness): void {
  /** Runs a case with its store and every Jobs object it made closed afterwards, whatever happens. */
  const use = async (
    fn: (shared: SharedStore, make: (store?: Store) => Jobs) => Promise<void> | void,
  ): Promise<void> => {
    const shared = await harness.open();
    const made: Jobs[] = [];
    const make = (store: Store = shared.store) => {
      const jobs = new Jobs(store);
      made.push(jobs);
      return jobs;
    };
    try {
      await fn(shared, make);
    } finally {
      await Promise.all(made.map((j) => j.close()));
      await shared.close();
    }
  };

  describe(`jobs: ${harness.name}`, () => {
    before(async () => harness.setup?.());
    after(async () => harness.teardown?.());

    it('runs an enqueued job once and records its result, attempt and timings', () =>
      use(async (_shared, make) => {
        const jobs = make();
        const kind = unique('echo');
        const calls: [string, number][] = [];
        jobs.define(kind, {
          schema: z.strictObject({ text: z.string() }),
          handler: ({ text }, ctx) => {
            calls.push([ctx.jobId, ctx.attempt]);
            return Promise.resolve({ echo: text });
          },
        });
        const queued = await jobs.enqueue(kind, { text: 'hi' });
        assert.equal(queued.state, 'queued');
        assert.equal(queued.attempts, 0);
        assert.equal(queued.maxAttempts, 5);
        assert.deepEqual(queued.payload, { text: 'hi' });
        const runner = jobs.startRunner({ leaseTtlSeconds: 2 });
        const done = await reach(jobs, queued.id, 'succeeded');
        assert.deepEqual(calls, [[queued.id, 1]]);
        assert.equal(done.attempts, 1);
        assert.deepEqual(done.result, { echo: 'hi' });
        assert.ok(done.startedAt && done.finishedAt && done.finishedAt >= done.startedAt);
        assert.equal(done.history.length, 1);
        assert.equal(done.history[0]?.outcome, 'succeeded');
        assert.equal(done.history[0]?.runner, runner.id);
        assert.equal(done.lastError, undefined);
      }));

    it('answers the existing job for a repeated idempotency key, even when both enqueue at once', () =>
      use(async (shared, make) => {
        const first = make();
        const second = make(await shared.connect());
        const kind = unique('idem');
        const other = unique('idem-other');
        for (const jobs of [first, second]) {
          jobs.define(kind, { schema: z.strictObject({ n: z.number() }), handler: () => Promise.resolve() });
          jobs.define(other, { schema: z.strictObject({ n: z.number() }), handler: () => Promise.resolve() });
        }
        const [a, b] = await Promise.all([
          first.enqueue(kind, { n: 1 }, { idempotencyKey: 'nightly@2024-01-01' }),
          second.enqueue(kind, { n: 2 }, { idempotencyKey: 'nightly@2024-01-01' }),
        ]);
        assert.equal(a.id, b.id);
        assert.deepEqual(a.payload, b.payload);
        assert.equal((await first.list({ kind })).jobs.length, 1);
        const again = await first.enqueue(kind, { n: 3 }, { idempotencyKey: 'nightly@2024-01-02' });
        assert.notEqual(again.id, a.id);
        const otherKind = await first.enqueue(other, { n: 4 }, { idempotencyKey: 'nightly@2024-01-01' });
        assert.notEqual(otherKind.id, a.id, 'keys are per kind');
        assert.equal(a.idempotencyKey, 'nightly@2024-01-01');
      }));

    it('refuses bad payloads naming the field, unknown kinds, bad definitions and ids', () =>
      use(async (_shared, make) => {
        const jobs = make();
        const kind = unique('strict');
        jobs.define(kind, {
          schema: z.strictObject({ repository: z.string(), depth: z.number().int().min(1) }),
          handler: () => Promise.resolve(),
        });
        await assert.rejects(
          jobs.enqueue(kind, { repository: 5, depth: 1 }),
          (err: unknown) =>
            isInvalidArgument(err) &&
            fieldOf(err) === 'payload.repository' &&
            /payload\.repository/.test((err as Error).message),
        );
        await assert.rejects(
          jobs.enqueue(kind, { repository: 'lib/app', depth: 0 }),
          (err: unknown) => isInvalidArgument(err) && fieldOf(err) === 'payload.depth',
        );
        await assert.rejects(jobs.enqueue(unique('undefined'), {}), isNotFound);
        await assert.rejects(
          jobs.enqueue(kind, { repository: 'a', depth: 1 }, { idempotencyKey: '' }),
          (err: unknown) => isInvalidArgument(err) && fieldOf(err) === 'idempotencyKey',
        );
        assert.throws(
          () => jobs.define(kind, { schema: empty, handler: () => Promise.resolve() }),
          isInvalidArgument,
        );
        assert.throws(
          () => jobs.define('Bad Kind', { schema: empty, handler: () => Promise.resolve() }),
          isInvalidArgument,
        );
        assert.throws(
          () =>
            jobs.define(unique('zero'), { schema: empty, handler: () => Promise.resolve(), maxAttempts: 0 }),
          (err: unknown) => isInvalidArgument(err) && fieldOf(err) === 'maxAttempts',
        );
        await assert.rejects(jobs.get('../../etc'), isInvalidArgument);
        assert.equal(await jobs.get('zzzzzzzzz-0000000000'), undefined);
        assert.equal((await jobs.list({ kind })).jobs.length, 0, 'nothing was enqueued');
      }));

    it('retries a failing job with growing delays, then gives up as failed', () =>
      use(async (_shared, make) => {
        const jobs = make();
        const kind = unique('flaky');
        jobs.define(kind, {
          schema: empty,
          maxAttempts: 3,
          backoff: { initialSeconds: 0.2, maxSeconds: 0.3 },
          handler: (_p, ctx) => Promise.reject(new Error(`boom ${ctx.attempt}`)),
        });
        jobs.startRunner({ leaseTtlSeconds: 2 });
        const { id } = await jobs.enqueue(kind, {});
        const failed = await reach(jobs, id, 'failed');
        assert.equal(failed.attempts, 3);
        assert.equal(failed.lastError, 'boom 3');
        assert.deepEqual(
          failed.history.map((a) => [a.attempt, a.outcome, a.error]),
          [
            [1, 'failed', 'boom 1'],
            [2, 'failed', 'boom 2'],
            [3, 'failed', 'boom 3'],
          ],
        );
        // Lower bounds only: each retry waited at least its backoff (0.2 s, then 0.4 s capped at 0.3 s).
        const starts = failed.history.map((a) => Date.parse(a.startedAt));
        assert.ok(starts[1]! - starts[0]! >= 200, `retry 1 after ${starts[1]! - starts[0]!} ms`);
        assert.ok(starts[2]! - starts[1]! >= 300, `retry 2 after ${starts[2]! - starts[1]!} ms`);
        assert.ok(failed.finishedAt);
      }));

    it('succeeds on a retry after a failed attempt, keeping the failure in the history', () =>
      use(async (_shared, make) => {
        const jobs = make();
        const kind = unique('second-time');
        jobs.define(kind, {
          schema: empty,
          backoff: { initialSeconds: 0.05 },
          handler: (_p, ctx) =>
            ctx.attempt === 1 ? Promise.reject(new Error('not yet')) : Promise.resolve('ok'),
        });
        jobs.startRunner({ leaseTtlSeconds: 2 });
        const { id } = await jobs.enqueue(kind, {});
        const done = await reach(jobs, id, 'succeeded');
        assert.equal(done.attempts, 2);
        assert.deepEqual(
          done.history.map((a) => a.outcome),
          ['failed', 'succeeded'],
        );
        assert.equal(done.result, 'ok');
      }));

    it('never runs a job cancelled while queued; refuses to cancel a finished one', () =>
      use(async (_shared, make) => {
        const jobs = make();
        const kind = unique('cancel-queued');
        const ran: string[] = [];
        jobs.define(kind, {
          schema: empty,
          handler: (_p, ctx) => {
            ran.push(ctx.jobId);
            return Promise.resolve();
          },
        });
        const doomed = await jobs.enqueue(kind, {});
        const cancelled = await jobs.cancel(doomed.id);
        assert.equal(cancelled.state, 'cancelled');
        assert.ok(cancelled.finishedAt);
        assert.equal((await jobs.cancel(doomed.id)).state, 'cancelled', 'cancel is idempotent');
        const later = await jobs.enqueue(kind, {});
        jobs.startRunner({ leaseTtlSeconds: 2 });
        await reach(jobs, later.id, 'succeeded');
        assert.deepEqual(ran, [later.id]);
        assert.equal((await jobs.get(doomed.id))?.attempts, 0);
        await assert.rejects(jobs.cancel(later.id), isFailedPrecondition);
        await assert.rejects(jobs.cancel('zzzzzzzzz-0000000000'), isNotFound);
      }));

    it('aborts the signal of a job cancelled while running, which ends cancelled', () =>
      use(async (_shared, make) => {
        const jobs = make();
        const kind = unique('cancel-running');
        const reasons: unknown[] = [];
        let started = false;
        jobs.define(kind, {
          schema: empty,
          handler: async (_p, ctx) => {
            started = true;
            await aborted(ctx.signal);
            reasons.push(ctx.signal.reason);
            throw ctx.signal.reason;
          },
        });
        jobs.startRunner({ leaseTtlSeconds: 2 });
        const { id } = await jobs.enqueue(kind, {});
        await waitFor('the handler to start', () => started);
        const answer = await jobs.cancel(id);
        assert.equal(answer.state, 'running');
        assert.equal(answer.cancelRequested, true);
        const done = await reach(jobs, id, 'cancelled');
        assert.match(String(reasons[0]), /cancelled/);
        assert.equal(done.attempts, 1);
        assert.equal(done.history[0]?.outcome, 'cancelled');
        assert.equal(done.cancelRequested, undefined);
      }));

    it('aborts an attempt that runs past its timeout and counts it as failed', () =>
      use(async (_shared, make) => {
        const jobs = make();
        const kind = unique('slow');
        jobs.define(kind, {
          schema: empty,
          maxAttempts: 1,
          timeoutSeconds: 0.2,
          handler: async (_p, ctx) => {
            await aborted(ctx.signal);
            throw ctx.signal.reason;
          },
        });
        jobs.startRunner({ leaseTtlSeconds: 2 });
        const { id } = await jobs.enqueue(kind, {});
        const failed = await reach(jobs, id, 'failed');
        assert.match(failed.lastError ?? '', /timed out after 0.2 s/);
      }));

    it('runs every job exactly once when several runners compete, never one job twice at once', () =>
      use(async (shared, make) => {
        const kind = unique('race');
        const active = new Set<string>();
        const runs = new Map<string, number>();
        const overlaps: string[] = [];
        const handler = async (_p: unknown, ctx: { jobId: string }) => {
          if (active.has(ctx.jobId)) overlaps.push(ctx.jobId);
          active.add(ctx.jobId);
          runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
          active.delete(ctx.jobId);
        };
        const all = [make(), make(await shared.connect()), make(await shared.connect())];
        for (const jobs of all) {
          jobs.define(kind, { schema: empty, handler });
          jobs.startRunner({ leaseTtlSeconds: 2, concurrency: 3 });
        }
        const ids = await Promise.all(
          Array.from({ length: 24 }, (_, i) => all[i % 3]!.enqueue(kind, {})),
        ).then((js) => js.map((j) => j.id));
        await waitFor('every job to succeed', async () => {
          const { jobs } = await all[0]!.list({ kind, limit: 100 });
          return jobs.length === ids.length && jobs.every((j) => j.state === 'succeeded');
        });
        assert.deepEqual(overlaps, []);
        for (const id of ids) assert.equal(runs.get(id), 1, `job ${id} ran ${runs.get(id)} times`);
        for (const job of (await all[0]!.list({ kind, limit: 100 })).jobs) assert.equal(job.attempts, 1);
      }));

    it('hands a running job to another runner at once when its runner closes, without using up an attempt', () =>
      use(async (shared, make) => {
        const kind = unique('handover');
        const closing = make();
        const taking = make(await shared.connect());
        let startedOnFirst = false;
        closing.define(kind, {
          schema: empty,
          handler: async (_p, ctx) => {
            startedOnFirst = true;
            await aborted(ctx.signal);
            throw ctx.signal.reason;
          },
        });
        taking.define(kind, { schema: empty, handler: () => Promise.resolve('finished') });
        // A TTL far above the wait bound: the second runner can only be that quick if close() released.
        const first = closing.startRunner({ leaseTtlSeconds: 60 });
        const { id } = await closing.enqueue(kind, {});
        await waitFor('the first runner to start it', () => startedOnFirst);
        const second = taking.startRunner({ leaseTtlSeconds: 60 });
        await first.close();
        const done = await reach(taking, id, 'succeeded', 15_000);
        assert.equal(done.attempts, 1);
        assert.deepEqual(
          done.history.map((a) => [a.attempt, a.outcome, a.runner]),
          [
            [1, 'interrupted', first.id],
            [1, 'succeeded', second.id],
          ],
        );
      }));

    it('aborts the handlers of a runner that loses its lease; another runner takes over after it expired', () =>
      use(async (shared, make) => {
        const kind = unique('lost');
        const fault = withRenewalFault(shared.store);
        const losing = make(fault.store);
        const taking = make(await shared.connect());
        let started = false;
        let reason: unknown;
        losing.define(kind, {
          schema: empty,
          handler: async (_p, ctx) => {
            started = true;
            await aborted(ctx.signal);
            reason = ctx.signal.reason;
            throw reason;
          },
        });
        let completions = 0;
        taking.define(kind, {
          schema: empty,
          handler: () => {
            completions++;
            return Promise.resolve();
          },
        });
        const first = losing.startRunner({ leaseTtlSeconds: 2 });
        const { id } = await losing.enqueue(kind, {});
        await waitFor('the first runner to start it', () => started);
        const second = taking.startRunner({ leaseTtlSeconds: 2 });
        fault.breakRenewals();
        const done = await reach(taking, id, 'succeeded');
        assert.match(String(reason), /lost its claim/);
        assert.equal(completions, 1);
        assert.equal(done.attempts, 2);
        assert.deepEqual(
          done.history.map((a) => [a.attempt, a.outcome, a.runner]),
          [
            [1, 'abandoned', first.id],
            [2, 'succeeded', second.id],
          ],
        );
      }));

    it('records progress notes and passes log lines on', () =>
      use(async (shared) => {
        const logs: [string, string][] = [];
        const jobs = new Jobs(shared.store, { onLog: (message, ctx) => logs.push([ctx.jobId, message]) });
        const kind = unique('progress');
        let release: () => void = () => undefined;
        const released = new Promise<void>((r) => (release = r));
        jobs.define(kind, {
          schema: empty,
          handler: async (_p, ctx) => {
            ctx.log('starting');
            ctx.heartbeat('halfway');
            await released;
          },
        });
        try {
          jobs.startRunner({ leaseTtlSeconds: 2 });
          const { id } = await jobs.enqueue(kind, {});
          await waitFor('the progress note', async () => (await jobs.get(id))?.progress === 'halfway');
          release();
          const done = await reach(jobs, id, 'succeeded');
          assert.equal(done.progress, 'halfway');
          assert.deepEqual(logs, [[id, 'starting']]);
        } finally {
          release();
          await jobs.close();
        }
      }));

    it('lists newest first, filtered by kind and state, page by page', () =>
      use(async (_shared, make) => {
        const jobs = make();
        const a = unique('list-a');
        const b = unique('list-b');
        for (const kind of [a, b]) jobs.define(kind, { schema: empty, handler: () => Promise.resolve() });
        const made: string[] = [];
        for (const kind of [a, b, a, a, b]) made.push((await jobs.enqueue(kind, {})).id);
        const page1 = await jobs.list({ kind: a, limit: 2 });
        assert.equal(page1.jobs.length, 2);
        assert.ok(page1.next);
        const page2 = await jobs.list({ kind: a, limit: 2, after: page1.next });
        assert.equal(page2.jobs.length, 1);
        assert.equal(page2.next, undefined);
        const listed = [...page1.jobs, ...page2.jobs];
        assert.deepEqual(listed.map((j) => j.id).sort(), [made[0], made[2], made[3]].sort());
        const created = listed.map((j) => j.createdAt);
        assert.deepEqual(created, [...created].sort().reverse(), 'newest first');
        await jobs.cancel(made[2]!);
        assert.deepEqual(
          (await jobs.list({ kind: a, state: 'cancelled' })).jobs.map((j) => j.id),
          [made[2]],
        );
        await assert.rejects(jobs.list({ limit: 0 }), isInvalidArgument);
        await assert.rejects(jobs.list({ after: 'not an id' }), isInvalidArgument);
      }));

    it('prunes finished jobs older than a cutoff with their idempotency keys, and nothing else', () =>
      use(async (_shared, make) => {
        const jobs = make();
        const kind = unique('prune');
        jobs.define(kind, { schema: empty, handler: () => Promise.resolve() });
        const finished = await jobs.enqueue(kind, {}, { idempotencyKey: 'once' });
        await jobs.cancel(finished.id);
        const waiting = await jobs.enqueue(kind, {}, { idempotencyKey: 'waiting' });
        const cutoff = (ms: number) => ({ kind, finishedBefore: new Date(ms) });
        assert.equal(await jobs.prune(cutoff(Date.parse(finished.createdAt) - 60_000)), 0);
        assert.equal(await jobs.prune(cutoff(Date.now() + 60_000)), 1);
        assert.equal(await jobs.get(finished.id), undefined);
        assert.equal((await jobs.get(waiting.id))?.state, 'queued');
        const again = await jobs.enqueue(kind, {}, { idempotencyKey: 'once' });
        assert.notEqual(again.id, finished.id, 'the pruned job released its idempotency key');
        assert.equal((await jobs.enqueue(kind, {}, { idempotencyKey: 'waiting' })).id, waiting.id);
      }));

    it('fires a schedule once per slot across processes, and goes on when its leader stops', () =>
      use(async (shared, make) => {
        const kind = unique('tick');
        const name = unique('every-second');
        const all = [make(), make(await shared.connect())];
        const schedules = all.map((jobs) => {
          jobs.define(kind, {
            schema: z.strictObject({ what: z.string() }),
            handler: () => Promise.resolve(),
          });
          jobs.startRunner({ leaseTtlSeconds: 2 });
          // A leader TTL far above the wait bounds: handovers below happen because stop() resigned.
          return jobs.schedule(
            name,
            { kind, payload: { what: 'tick' }, everySeconds: 1 },
            { leaderTtlSeconds: 60 },
          );
        });
        const slots = async () => {
          const { jobs } = await all[0]!.list({ kind, limit: 1000 });
          return jobs;
        };
        await waitFor('three slots', async () => (await slots()).length >= 3);
        const leader = await waitFor('one schedule leader', () => {
          const leaders = schedules.filter((s) => s.isLeader);
          return leaders.length === 1 ? leaders[0] : undefined;
        });
        await leader.stop();
        const follower = schedules.find((s) => s !== leader)!;
        await waitFor('the other process to lead the schedule', () => follower.isLeader, 15_000);
        const before = (await slots()).length;
        await waitFor('two more slots', async () => (await slots()).length >= before + 2, 15_000);
        const fired = await slots();
        const keys = fired.map((j) => j.idempotencyKey);
        assert.equal(new Set(keys).size, keys.length, `a slot fired twice: ${keys.join(', ')}`);
        for (const job of fired) {
          assert.equal(job.schedule, name);
          assert.match(job.idempotencyKey ?? '', new RegExp(`^${name.replace('.', '\\.')}@\\d{4}-.*T.*Z$`));
          assert.deepEqual(job.payload, { what: 'tick' });
        }
        await waitFor('every fired slot to run', async () =>
          (await slots()).every((j) => j.state === 'succeeded'),
        );
      }));

    it('refuses schedules with a bad payload, interval, kind or a duplicate name', () =>
      use((_shared, make) => {
        const jobs = make();
        const kind = unique('sched-checks');
        jobs.define(kind, { schema: z.strictObject({ n: z.number() }), handler: () => Promise.resolve() });
        assert.throws(
          () => jobs.schedule(unique('bad-payload'), { kind, payload: { n: 'x' }, everySeconds: 60 }),
          (err: unknown) => isInvalidArgument(err) && fieldOf(err) === 'payload.n',
        );
        assert.throws(
          () => jobs.schedule(unique('bad-every'), { kind, payload: { n: 1 }, everySeconds: 0 }),
          (err: unknown) => isInvalidArgument(err) && fieldOf(err) === 'everySeconds',
        );
        assert.throws(
          () => jobs.schedule(unique('no-kind'), { kind: unique('nope'), payload: {}, everySeconds: 60 }),
          isNotFound,
        );
        const name = unique('twice');
        jobs.schedule(name, { kind, payload: { n: 1 }, everySeconds: 3600 });
        assert.throws(
          () => jobs.schedule(name, { kind, payload: { n: 1 }, everySeconds: 3600 }),
          isInvalidArgument,
        );
      }));

    // The memory store lives in one process: no other process can share it, so it has no such case.
    if (!harness.crossProcess) return;
    it('completes a job whose runner was SIGKILLed mid-attempt, exactly once, after the lease expired', async () => {
      const shared = await harness.open();
      const spec = shared.child!;
      const made: Jobs[] = [];
      let completions = 0;
      const parentJobs = (store: Store) => {
        const jobs = new Jobs(store);
        made.push(jobs);
        jobs.define('test.crash', {
          schema: z.strictObject({ n: z.number() }),
          handler: () => {
            completions++;
            return Promise.resolve('completed');
          },
        });
        return jobs;
      };
      try {
        let jobs = parentJobs(shared.store);
        let id: string;
        let proc: ReturnType<typeof spawnChild>;
        if (spec.sequential) {
          // The SQLite file is one process's at a time: enqueue, hand it to the child, take it back after.
          id = (await jobs.enqueue('test.crash', { n: 1 })).id;
          await shared.store.close();
          proc = spawnChild(child, spec.args);
        } else {
          proc = spawnChild(child, spec.args);
          await proc.waitForLine(/^ready$/);
          id = (await jobs.enqueue('test.crash', { n: 1 })).id;
        }
        const [, startedId, attempt, childRunner] = await proc.waitForLine(/^started (\S+) (\d+) (\S+)$/);
        assert.equal(startedId, id);
        assert.equal(attempt, '1');
        if (!spec.sequential) jobs.startRunner({ leaseTtlSeconds: 2 }); // contends while the child lives
        await proc.kill();
        if (spec.sequential) {
          jobs = parentJobs(await spec.reopen());
          jobs.startRunner({ leaseTtlSeconds: 2 });
        }
        const done = await reach(jobs, id, 'succeeded', 30_000);
        assert.equal(completions, 1);
        assert.equal(done.attempts, 2);
        assert.deepEqual(
          done.history.map((a) => [a.attempt, a.outcome]),
          [
            [1, 'abandoned'],
            [2, 'succeeded'],
          ],
        );
        assert.equal(done.history[0]?.runner, childRunner);
        assert.notEqual(done.history[1]?.runner, childRunner);
        assert.equal(done.result, 'completed');
        const store = await shared.connect();
        assert.equal(
          (await store.get(`/jobs-test/started/${id}/1`))?.value,
          childRunner,
          'the child really ran it',
        );
      } finally {
        await Promise.all(made.map((j) => j.close()));
        await shared.close();
      }
    });
  });
}
