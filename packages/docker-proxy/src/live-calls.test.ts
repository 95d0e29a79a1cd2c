/** The live-call registry on its own: who is re-checked how often, and what is cut. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyCaller } from './caller.js';
import { createLiveCalls } from './live-calls.js';

function callerOf(credential: string, check: () => Promise<boolean>): ProxyCaller {
  return {
    name: credential,
    admin: false,
    defaultCollection: '/',
    remoteAddress: '',
    credential,
    stillValid: check,
  };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `condition` until it holds; the deadline is only an upper bound (timers run late on a busy machine). */
async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(1);
  }
}

describe('live calls', () => {
  it('checks each credential once per sweep and cuts only the calls of one that no longer stands', async () => {
    const live = createLiveCalls({ everyMs: 20 });
    let aliceChecks = 0;
    let aliceValid = true;
    const alice = callerOf('alice', () => {
      aliceChecks++;
      return Promise.resolve(aliceValid);
    });
    const bob = callerOf('bob', () => Promise.resolve(true));
    const cut: string[] = [];
    for (let i = 0; i < 50; i++) live.add(alice, () => cut.push(`alice${i}`));
    live.add(bob, () => cut.push('bob'));
    // One check per sweep for alice's fifty calls: checked per call, one sweep alone would make fifty.
    await until('three sweeps', () => aliceChecks >= 3);
    assert.ok(aliceChecks < 50, String(aliceChecks));
    assert.equal(cut.length, 0);
    aliceValid = false;
    await until("alice's calls cut", () => cut.length >= 50);
    assert.equal(cut.length, 50);
    assert.ok(cut.every((c) => c.startsWith('alice')));
    assert.equal(live.size, 1);
    live.close();
    assert.deepEqual(cut.slice(50), ['bob']);
  });

  it('counts a check that throws as not standing, and forgets released calls', async () => {
    const live = createLiveCalls({ everyMs: 10, log: { error: () => undefined } });
    const cut: string[] = [];
    let checks = 0;
    const released = live.add(
      callerOf('gone', () => {
        checks++;
        return Promise.resolve(false);
      }),
      () => cut.push('released'),
    );
    released();
    assert.equal(live.size, 0);
    live.add(
      callerOf('broken', () => Promise.reject(new Error('store down'))),
      () => cut.push('broken'),
    );
    await until('the broken call cut', () => cut.length > 0);
    assert.deepEqual(cut, ['broken']);
    assert.equal(checks, 0, 'a released call is not checked');
    assert.equal(live.size, 0);
    live.close();
  });

  it('does not start a sweep while one is still checking', async () => {
    const live = createLiveCalls({ everyMs: 5 });
    let running = 0;
    let most = 0;
    let checks = 0;
    live.add(
      callerOf('slow', async () => {
        checks++;
        most = Math.max(most, ++running);
        await tick(30);
        running--;
        return true;
      }),
      () => undefined,
    );
    // Each check lasts six sweep intervals: overlapping sweeps would have run two at once by the third check.
    await until('three checks', () => checks >= 3);
    live.close();
    assert.equal(most, 1);
  });
});
