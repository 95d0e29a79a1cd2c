/**
 * The leader election cases every Store implementation runs (`memory.test.ts`, `sqlite.test.ts`,
 * `etcd.int.test.ts`): exclusivity across contenders, handover on stop and on lease loss, fencing, and a
 * contender SIGKILLed in another process being replaced.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { isInvalidArgument } from '@stevedore/errors';
import type { Store } from '@stevedore/store';
import { runWhileLeader, type LeaderChange, type LeaderFn, type LeaderHandle } from './election.js';
import { currentLeader, isNotLeader, leaderTxn } from './fencing.js';
import { leaderKey } from './keys.js';
import { spawnChild } from './testing/child-process.js';
import { withRenewalFault } from './testing/renewal-fault.js';
import type { SharedStore, StoreHarness } from './testing/shared-store.js';
import { waitFor } from './testing/wait.js';

const child = fileURLToPath(new URL('./contender.child.ts', import.meta.url));

const uniqueName = (what: string) => `test-${what}-${randomUUID().slice(0, 8)}`;

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

interface Run {
  readonly who: string;
  readonly token: number;
  readonly start: number;
  end?: number;
  reason?: unknown;
}

/** Leader functions that log when they run, on one logical clock, to check that terms never overlap. */
function recorder() {
  let clock = 0;
  const runs: Run[] = [];
  return {
    runs,
    fn:
      (who: string): LeaderFn =>
      async (signal, term) => {
        const run: Run = { who, token: term.token, start: ++clock };
        runs.push(run);
        await aborted(signal);
        run.reason = signal.reason;
        run.end = ++clock;
      },
    running: () => runs.filter((r) => r.end === undefined),
    assertNoOverlap: () => {
      const sorted = [...runs].sort((a, b) => a.start - b.start);
      for (const [i, run] of sorted.entries()) {
        const next = sorted[i + 1];
        if (!next) break;
        assert.ok(
          run.end !== undefined && run.end < next.start,
          `${run.who} (term ${run.token}) was still running when ${next.who} (term ${next.token}) started`,
        );
      }
    },
  };
}

export function runElectionSuite(harness: StoreHarness): void {
  const use = async (fn: (shared: SharedStore) => Promise<void> | void): Promise<void> => {
    const shared = await harness.open();
    try {
      await fn(shared);
    } finally {
      await shared.close();
    }
  };

  describe(`leader election: ${harness.name}`, () => {
    before(async () => harness.setup?.());
    after(async () => harness.teardown?.());

    it('runs exactly one of three contenders at a time, and stop() hands over without waiting for the TTL', () =>
      use(async ({ connect }) => {
        const name = uniqueName('three');
        const rec = recorder();
        // A TTL far above the wait bound: a handover can only be that quick because stop() resigned.
        const options = { ttlSeconds: 60 };
        const handles: LeaderHandle[] = [];
        for (const who of ['a', 'b', 'c']) {
          handles.push(runWhileLeader(await connect(), name, rec.fn(who), { ...options, contender: who }));
        }
        const led: string[] = [];
        try {
          await takeTurns();
        } finally {
          await Promise.all(handles.map((h) => h.stop()));
        }
        async function takeTurns(): Promise<void> {
          while (handles.length > 0) {
            const leader = await waitFor(
              'exactly one leader, running its function',
              () => {
                const leaders = handles.filter((h) => h.isLeader);
                return leaders.length === 1 && rec.running().length === 1 ? leaders[0] : undefined;
              },
              15_000,
            );
            const who = leader.term!.contender;
            led.push(who);
            assert.equal(rec.running()[0]?.who, who);
            await leader.stop();
            assert.equal(leader.isLeader, false);
            assert.ok(
              rec.runs.every((r) => r.who !== who || r.end !== undefined),
              'stop() returned while the function still ran',
            );
            handles.splice(handles.indexOf(leader), 1);
          }
        }
        assert.deepEqual([...led].sort(), ['a', 'b', 'c']);
        rec.assertNoOverlap();
        const tokens = rec.runs.map((r) => r.token);
        assert.deepEqual(
          tokens,
          [...tokens].sort((a, b) => a - b),
          'fencing tokens grow with every term',
        );
        assert.equal(new Set(tokens).size, 3);
        assert.equal(await currentLeader(await connect(), name), undefined);
      }));

    it('aborts the signal when the lease cannot be renewed, before a follower takes over', () =>
      use(async ({ store, connect }) => {
        const name = uniqueName('renew');
        const rec = recorder();
        const fault = withRenewalFault(store);
        const changes: LeaderChange[] = [];
        const first = runWhileLeader(fault.store, name, rec.fn('first'), {
          ttlSeconds: 2,
          contender: 'first',
        });
        first.onChange((change) => changes.push(change));
        await waitFor('the first contender to lead', () => first.isLeader);
        const second = runWhileLeader(await connect(), name, rec.fn('second'), {
          ttlSeconds: 2,
          contender: 'second',
        });
        try {
          fault.breakRenewals();
          await waitFor('the second contender to lead', () => second.isLeader, 20_000);
          const [firstRun, secondRun] = rec.runs;
          assert.equal(firstRun?.who, 'first');
          assert.ok(isNotLeader(firstRun.reason), `abort reason: ${String(firstRun.reason)}`);
          assert.match((firstRun.reason as Error).message, /could not be renewed/);
          assert.equal(secondRun?.who, 'second');
          rec.assertNoOverlap();
          assert.ok(
            changes.some((c) => !c.leader && /could not be renewed/.test(c.reason)),
            'onChange heard of the loss',
          );
        } finally {
          await Promise.all([first.stop(), second.stop()]);
        }
      }));

    it('steps down when the leader key is overwritten, and leads again once it is deleted', () =>
      use(async ({ store }) => {
        const name = uniqueName('key');
        const rec = recorder();
        const handle = runWhileLeader(store, name, rec.fn('only'), { ttlSeconds: 2 });
        try {
          const first = await waitFor('leadership', () => handle.term);
          await store.put(leaderKey(name), 'an operator wrote this');
          await waitFor('the function to stop', () => rec.runs[0]?.end !== undefined);
          assert.match((rec.runs[0]!.reason as Error).message, /overwritten/);
          assert.equal(handle.isLeader, false);
          assert.equal((await currentLeader(store, name))?.contender, 'an operator wrote this');
          await store.delete(leaderKey(name));
          const second = await waitFor('leadership again', () => handle.term);
          assert.ok(second.token > first.token, `term ${second.token} after ${first.token}`);
          assert.equal(rec.running().length, 1);
        } finally {
          await handle.stop();
        }
      }));

    it('runs a function that throws again, reporting each error, without giving up leadership', () =>
      use(async ({ store }) => {
        const name = uniqueName('throws');
        const errors: unknown[] = [];
        const terms: number[] = [];
        const handle = runWhileLeader(
          store,
          name,
          async (signal, term) => {
            terms.push(term.token);
            if (terms.length <= 2) throw new Error(`failure ${terms.length}`);
            await aborted(signal);
          },
          { ttlSeconds: 2, restartBackoffMs: { initial: 10, max: 40 }, onError: (err) => errors.push(err) },
        );
        try {
          await waitFor('the third run', () => terms.length === 3);
          assert.deepEqual(
            errors.map((e) => (e as Error).message),
            ['failure 1', 'failure 2'],
          );
          assert.equal(new Set(terms).size, 1, 'all runs in one term');
          assert.equal(handle.isLeader, true);
        } finally {
          await handle.stop();
        }
      }));

    it("refuses a deposed leader's late write (fencing), and lets the current leader write", () =>
      use(async ({ store, connect }) => {
        const name = uniqueName('fence');
        const rec = recorder();
        const old = runWhileLeader(store, name, rec.fn('old'), { ttlSeconds: 30, contender: 'old' });
        const oldTerm = await waitFor('the first term', () => old.term);
        const other = await connect();
        const next = runWhileLeader(other, name, rec.fn('new'), { ttlSeconds: 30, contender: 'new' });
        try {
          await old.stop();
          const newTerm = await waitFor('the second term', () => next.term);
          assert.ok(newTerm.token > oldTerm.token);
          const key = `/test/fenced/${name}`;
          const write = { compares: [], success: [{ type: 'put' as const, key, value: 'late' }] };
          await assert.rejects(leaderTxn(store, oldTerm, write), (err: unknown) => isNotLeader(err));
          assert.equal(await store.get(key), undefined, 'the late write landed');
          const ok = await leaderTxn(other, newTerm, {
            ...write,
            success: [{ type: 'put', key, value: 'current' }],
          });
          assert.equal(ok.succeeded, true);
          assert.equal((await store.get(key))?.value, 'current');
          // The caller's own compare failing is not a loss of leadership: it answers like store.txn.
          const own = await leaderTxn(other, newTerm, {
            compares: [{ key, target: 'value', equals: 'something else' }],
            success: [{ type: 'delete', key }],
            failure: [{ type: 'get', key }],
          });
          assert.equal(own.succeeded, false);
          assert.deepEqual(
            own.results.map((kv) => kv?.value),
            ['current'],
          );
          const info = await currentLeader(store, name);
          assert.equal(info?.contender, 'new');
          assert.equal(info?.token, newTerm.token);
        } finally {
          await Promise.all([old.stop(), next.stop()]);
        }
      }));

    it('refuses invalid election names and TTLs', () =>
      use(({ store }) => {
        const fn: LeaderFn = () => Promise.resolve();
        for (const bad of ['', 'Has/Slash', 'UPPER', '-leading', 'x'.repeat(200)]) {
          assert.throws(() => runWhileLeader(store, bad, fn), isInvalidArgument, bad);
        }
        assert.throws(() => runWhileLeader(store, 'ok', fn, { ttlSeconds: 0 }), isInvalidArgument);
        assert.throws(() => runWhileLeader(store, 'ok', fn, { ttlSeconds: 1.5 }), isInvalidArgument);
      }));

    // The memory store lives in one process: no other process can share it, so it has no such case.
    if (!harness.crossProcess) return;
    it('replaces a leader SIGKILLed in another process once its lease expired', async () => {
      const shared = await harness.open();
      const spec = shared.child!;
      const name = uniqueName('sigkill');
      const handles: LeaderHandle[] = [];
      try {
        if (spec.sequential) await shared.store.close();
        const proc = spawnChild(child, [...spec.args, name, '2']);
        const [, token] = await proc.waitForLine(/^leader (\d+) (\S+)$/);
        let store: Store | undefined;
        if (!spec.sequential) {
          // Contending alongside the living child: it must not win while the child holds the lease.
          store = await spec.reopen();
          handles.push(runWhileLeader(store, name, async (s) => aborted(s), { ttlSeconds: 2 }));
          assert.match((await currentLeader(store, name))?.contender ?? '', /^child-/);
          assert.equal(handles[0]!.isLeader, false);
        }
        await proc.kill();
        if (spec.sequential) {
          store = await spec.reopen();
          handles.push(runWhileLeader(store, name, async (s) => aborted(s), { ttlSeconds: 2 }));
        }
        const term = await waitFor('the parent to take over', () => handles[0]!.term, 20_000);
        assert.ok(term.token > Number(token), `new term ${term.token} after the child's ${token}`);
      } finally {
        await Promise.all(handles.map((h) => h.stop()));
        await shared.close();
      }
    });
  });
}
