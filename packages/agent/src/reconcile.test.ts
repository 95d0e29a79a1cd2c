import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, desiredComponents, reconcile, type ObservedComponent } from './reconcile.js';

const NOW = 1_000_000;
const running = (
  name: ObservedComponent['name'],
  extra: Partial<ObservedComponent> = {},
): ObservedComponent => ({
  name,
  running: true,
  failures: 0,
  ...extra,
});
const stopped = (
  name: ObservedComponent['name'],
  extra: Partial<ObservedComponent> = {},
): ObservedComponent => ({
  name,
  running: false,
  failures: 0,
  ...extra,
});

describe('the reconciler', () => {
  it('runs the engine proxy on every node, and the controller and registry on managers', () => {
    assert.deepEqual(desiredComponents('worker'), ['engine-proxy']);
    assert.deepEqual(desiredComponents('manager'), ['engine-proxy', 'controller', 'registry']);
  });

  const cases: [string, Parameters<typeof reconcile>, string[]][] = [
    ['a fresh worker starts its proxy', [desiredComponents('worker'), [], NOW], ['start engine-proxy']],
    ['a converged worker does nothing', [desiredComponents('worker'), [running('engine-proxy')], NOW], []],
    [
      'a promoted node starts the manager components',
      [desiredComponents('manager'), [running('engine-proxy')], NOW],
      ['start controller', 'start registry'],
    ],
    [
      'a demoted node stops them, and keeps its proxy',
      [
        desiredComponents('worker'),
        [running('engine-proxy'), running('controller'), running('registry')],
        NOW,
      ],
      ['stop controller', 'stop registry'],
    ],
    [
      'a component that died once is started again at once',
      [desiredComponents('worker'), [stopped('engine-proxy', { failures: 1, lastExitAt: NOW - 10 })], NOW],
      ['start engine-proxy'],
    ],
    [
      'one that keeps dying waits out its backoff',
      [desiredComponents('worker'), [stopped('engine-proxy', { failures: 4, lastExitAt: NOW - 3_000 })], NOW],
      ['wait engine-proxy'],
    ],
    [
      'and is started once the backoff is over',
      [desiredComponents('worker'), [stopped('engine-proxy', { failures: 4, lastExitAt: NOW - 4_000 })], NOW],
      ['start engine-proxy'],
    ],
    [
      'a running but unhealthy component is restarted after its grace',
      [desiredComponents('worker'), [running('engine-proxy', { unhealthySince: NOW - 10_000 })], NOW],
      ['restart engine-proxy'],
    ],
    [
      'but not within it',
      [desiredComponents('worker'), [running('engine-proxy', { unhealthySince: NOW - 9_999 })], NOW],
      [],
    ],
    [
      'a stopped component that is not needed is left alone',
      [desiredComponents('worker'), [running('engine-proxy'), stopped('controller', { failures: 3 })], NOW],
      [],
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      assert.deepEqual(
        reconcile(...input).map((a) => `${a.type} ${a.component}`),
        expected,
      );
    });
  }

  it('restarts at once after a first failure, then doubles the backoff with each failure, up to 30 s', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 20].map(backoffMs),
      [0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000],
    );
  });
});
