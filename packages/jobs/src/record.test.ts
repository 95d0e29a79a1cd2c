/** The pure parts of jobs: backoff, the state machine's edges, and ids that sort newest first. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { checkJobId, newJobId } from './keys.js';
import {
  abandoned,
  attemptEnded,
  backoffMs,
  claimed,
  HISTORY_LIMIT,
  newRecord,
  type JobRecord,
} from './record.js';

const job = (maxAttempts: number): JobRecord =>
  newRecord({ id: newJobId(0), kind: 'test.kind', payload: {}, maxAttempts, runAt: 0 }, 0);

it('backs off exponentially from the initial delay up to the cap', () => {
  const policy = { initialSeconds: 1, maxSeconds: 10 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, policy)),
    [1000, 2000, 4000, 8000, 10_000, 10_000],
  );
});

it('gives ids that sort newest first, and accepts only its own id format', () => {
  const older = newJobId(Date.UTC(2024, 0, 1));
  const newer = newJobId(Date.UTC(2024, 0, 2));
  assert.ok(newer < older, `${newer} should sort before ${older}`);
  checkJobId(older);
  assert.throws(() => checkJobId(`${older}/x`));
});

it('fails a job whose last allowed attempt was abandoned, and requeues it otherwise', () => {
  const running = claimed(job(2), 'runner-a', 10);
  const requeued = abandoned(running, 20);
  assert.equal(requeued.state, 'queued');
  assert.equal(requeued.history[0]?.outcome, 'abandoned');
  assert.match(requeued.lastError ?? '', /runner-a stopped renewing/);
  const last = abandoned(claimed(requeued, 'runner-b', 30), 40);
  assert.equal(last.state, 'failed');
  assert.equal(last.attempts, 2);
  assert.ok(last.finishedAt);
});

it('gives an interrupted attempt back, and keeps the history bounded', () => {
  let record = job(100);
  for (let i = 0; i < HISTORY_LIMIT + 5; i++) {
    record = attemptEnded(claimed(record, 'r', i), { outcome: 'interrupted' }, i);
  }
  assert.equal(record.state, 'queued');
  assert.equal(record.attempts, 0);
  assert.equal(record.history.length, HISTORY_LIMIT);
  assert.ok(record.history.every((a) => a.outcome === 'interrupted' && a.attempt === 1));
});
