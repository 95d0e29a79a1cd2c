import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseNode, constraintsOf, type Candidate } from './cluster-placement.js';
import { clusterRoute } from './cluster-routes.js';
import { EngineRefusal } from './refusals.js';

const node = (name: string, extra: Partial<Candidate> = {}): Candidate => ({
  id: `id-${name}`,
  name,
  labels: {},
  ready: true,
  allowed: true,
  running: 0,
  hasImage: true,
  ...extra,
});

const refusal = (fn: () => unknown, status: number, words: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EngineRefusal);
    assert.equal(err.status, status);
    assert.match(err.message, words);
    return true;
  });

describe('placement of a standalone container', () => {
  it('reads classic Swarm constraints from the environment and the constraints label', () => {
    const body = {
      Env: ['A=1', 'constraint:node==worker-*'],
      Labels: { 'com.docker.swarm.constraints': '["storage!=ssd"]' },
    };
    assert.deepEqual(constraintsOf(body), [
      { key: 'node', equal: true, value: 'worker-*' },
      { key: 'storage', equal: false, value: 'ssd' },
    ]);
  });

  it('refuses a malformed constraint with the form to use', () => {
    refusal(() => constraintsOf({ Env: ['constraint:node=a'] }), 400, /KEY==VALUE/);
    refusal(
      () => constraintsOf({ Labels: { 'com.docker.swarm.constraints': 'node==a' } }),
      400,
      /JSON array/,
    );
  });

  it('spreads by running containers, the first of equals winning', () => {
    const nodes = [node('m', { running: 3 }), node('w1', { running: 1 }), node('w2', { running: 1 })];
    assert.equal(chooseNode(nodes, []).name, 'w1');
    assert.equal(chooseNode([node('m'), node('w1')], []).name, 'm');
  });

  it('prefers a node that has the image, then spreads', () => {
    const nodes = [
      node('m', { running: 0, hasImage: false }),
      node('w1', { running: 4 }),
      node('w2', { running: 2 }),
    ];
    assert.equal(chooseNode(nodes, []).name, 'w2');
    const none = nodes.map((n) => ({ ...n, hasImage: false }));
    assert.equal(chooseNode(none, []).name, 'm');
  });

  it('keeps to the nodes a constraint names, by name, id or label', () => {
    const nodes = [node('m'), node('w1', { running: 5, labels: { zone: 'b' } }), node('w2', { running: 9 })];
    assert.equal(chooseNode(nodes, constraintsOf({ Env: ['constraint:node==w2'] })).name, 'w2');
    assert.equal(chooseNode(nodes, constraintsOf({ Env: ['constraint:node==id-w1'] })).name, 'w1');
    assert.equal(chooseNode(nodes, constraintsOf({ Env: ['constraint:zone==b'] })).name, 'w1');
    assert.equal(chooseNode(nodes, constraintsOf({ Env: ['constraint:node!=m'] })).name, 'w1');
  });

  it('answers a node the caller may not use as it answers no node at all', () => {
    const nodes = [node('m'), node('secret', { allowed: false })];
    const onSecret = constraintsOf({ Env: ['constraint:node==secret'] });
    const onNothing = constraintsOf({ Env: ['constraint:node==nothing'] });
    refusal(() => chooseNode(nodes, onSecret), 400, /no node you may schedule on satisfies node==secret/);
    refusal(() => chooseNode(nodes, onNothing), 400, /no node you may schedule on satisfies node==nothing/);
    // None the caller may use: the manager's answers, for her node.schedule check to refuse with its reason.
    const none = chooseNode([node('m', { allowed: false }), node('w', { allowed: false })], []);
    assert.equal(none.name, 'm');
    assert.equal(none.allowed, false);
  });

  it('skips nodes that are not ready, and says so when none is', () => {
    assert.equal(chooseNode([node('down', { ready: false }), node('up', { running: 7 })], []).name, 'up');
    refusal(() => chooseNode([node('down', { ready: false })], []), 503, /not ready|ready to run/);
  });
});

describe('routes of a cluster', () => {
  it('fans out lists, events and pulls; sends held resources to their node', () => {
    assert.deepEqual(clusterRoute('GET', '/v1.47/containers/json?all=1'), {
      kind: 'list',
      list: 'containers',
    });
    assert.deepEqual(clusterRoute('GET', '/images/json'), { kind: 'list', list: 'images' });
    assert.deepEqual(clusterRoute('GET', '/volumes'), { kind: 'list', list: 'volumes' });
    assert.deepEqual(clusterRoute('GET', '/events?since=1'), { kind: 'stream' });
    assert.deepEqual(clusterRoute('GET', '/v1.41/info'), { kind: 'info' });
    assert.deepEqual(clusterRoute('POST', '/images/create?fromImage=a'), { kind: 'stream' });
    assert.deepEqual(clusterRoute('POST', '/v1.41/containers/create?name=x'), { kind: 'placed' });
    assert.deepEqual(clusterRoute('POST', '/containers/abc/start'), {
      kind: 'held',
      type: 'container',
      ref: 'abc',
    });
    assert.deepEqual(clusterRoute('POST', '/commit?container=abc&repo=x'), {
      kind: 'held',
      type: 'container',
      ref: 'abc',
    });
    assert.deepEqual(clusterRoute('POST', '/exec/e1/start'), { kind: 'held', type: 'exec', ref: 'e1' });
    assert.deepEqual(clusterRoute('DELETE', '/volumes/data'), { kind: 'held', type: 'volume', ref: 'data' });
    for (const [method, path] of [
      ['GET', '/services'],
      ['POST', '/containers/prune'],
      ['POST', '/volumes/create'],
      ['GET', '/nodes/x'],
      ['POST', '/build'],
      ['POST', '/images/create?fromSrc=-'],
    ] as const)
      assert.deepEqual(clusterRoute(method, path), { kind: 'local' }, `${method} ${path}`);
  });
});
