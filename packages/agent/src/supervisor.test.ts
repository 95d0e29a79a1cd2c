import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, type ComponentName } from './reconcile.js';
import { Supervisor, type ComponentRunner, type RunningComponent } from './supervisor.js';

/** A runner of fake components whose exits the test decides. */
function fakeRunner() {
  const exits: ((how: string) => void)[] = [];
  let nextPid = 100;
  let failStarts = 0;
  const runner: ComponentRunner & { starts: number } = {
    names: ['engine-proxy'],
    starts: 0,
    start: (): Promise<RunningComponent> => {
      runner.starts++;
      if (failStarts > 0) {
        failStarts--;
        return Promise.reject(new Error('cannot bind'));
      }
      let exit!: (how: string) => void;
      const exited = new Promise<string>((r) => (exit = r));
      exits.push(exit);
      return Promise.resolve({ pid: nextPid++, exited, stop: () => Promise.resolve(exit('signal SIGTERM')) });
    },
  };
  return { runner, kill: () => exits.at(-1)!('signal SIGKILL'), failNext: (n: number) => (failStarts = n) };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('the supervisor', () => {
  const desired: ComponentName[] = ['engine-proxy'];

  it('starts what the reconciler says, restarts it after it dies, and counts the restart', async () => {
    let now = 0;
    const fake = fakeRunner();
    const supervisor = new Supervisor(fake.runner, () => now);
    supervisor.apply(reconcile(desired, supervisor.observe(), now));
    await settle();
    assert.deepEqual(
      supervisor.status().map((c) => [c.name, c.state, c.pid, c.restarts]),
      [['engine-proxy', 'running', 100, 0]],
    );
    fake.kill();
    await settle();
    assert.equal(supervisor.status()[0]!.state, 'stopped');
    assert.match(supervisor.status()[0]!.lastError ?? '', /SIGKILL/);
    // After a first failure it is started again at once.
    now += 10;
    supervisor.apply(reconcile(desired, supervisor.observe(), now));
    await settle();
    assert.deepEqual(
      supervisor.status().map((c) => [c.state, c.pid, c.restarts]),
      [['running', 101, 1]],
    );
  });

  it('backs off a component that keeps failing to start, and does not count a stop as a failure', async () => {
    let now = 0;
    const fake = fakeRunner();
    const supervisor = new Supervisor(fake.runner, () => now);
    fake.failNext(3);
    for (let i = 0; i < 20; i++) {
      supervisor.apply(reconcile(desired, supervisor.observe(), now));
      await settle();
      now += 500;
    }
    // 10 s of trying: starts at 0, again at once (0.5 s), 1 s after the second failure (1.5 s), and 2 s
    // after the third (3.5 s), which runs.
    assert.equal(fake.runner.starts, 4);
    assert.equal(supervisor.status()[0]!.state, 'running');
    supervisor.apply(reconcile([], supervisor.observe(), now));
    await settle();
    await settle();
    assert.equal(supervisor.status()[0]!.state, 'stopped');
    assert.equal(supervisor.observe()[0]!.failures, 3, 'the stop the reconciler asked for is no failure');
  });
});
