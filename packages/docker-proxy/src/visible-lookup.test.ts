/**
 * "Only what I may view exists": a reference is resolved the engine's way among what the caller may
 * view when the engine finds something invisible or an ambiguous prefix; else the engine's own 404, never
 * a 503 that tells of others' resources. Run against test-lookups' engine, which fails as the engine does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceType } from './operations/index.js';
import { EngineFailure } from './engine-failure.js';
import { EngineRefusal } from './refusals.js';
import { Resolver } from './resolver.js';
import { IN_DEV, testCallers, type Who } from './test-callers.js';
import { fakeLookups, type FakeResources } from './test-lookups.js';
import { locateVisible, pickAmong } from './visible-lookup.js';

const hex = (start: string) => start.padEnd(64, '0');
const box = (id: string, name: string, labels: Record<string, string>) => ({
  Id: hex(id),
  Names: [`/${name}`],
  Labels: labels,
});
const MINE = box('ab12', 'mine', IN_DEV);
const resources: FakeResources = {
  containers: [MINE, box('ac', 'theirs', {}), box('ad', 'other', {}), box('f1', 'ab12', {})],
  services: [
    { ID: 'q1', Spec: { Name: 'web', Labels: IN_DEV } },
    { ID: 'q2', Spec: { Name: 'hidden', Labels: {} } },
  ],
  execs: [{ ID: 'e1', ContainerID: hex('ac') }],
};

async function lookup(who: Who, type: ResourceType, ref: string, amongVisible = true, r = resources) {
  const { access, caller } = testCallers()[who];
  const engine = fakeLookups(r);
  const ctx = { engine, resolver: new Resolver(engine), access, caller };
  const found = await locateVisible(ctx, type, ref, amongVisible).then(
    (f) => f.id,
    (err: unknown) => {
      if (err instanceof EngineRefusal) return `${err.status} ${err.message}`;
      throw err;
    },
  );
  return { found, calls: engine.calls };
}

describe('resolving a target among what the caller may view', () => {
  // ref → what admin, View Only and Restricted Control get (both of the latter see /Shared/dev only).
  const table: readonly [string, string, string][] = [
    ['mine', MINE.Id, MINE.Id],
    ['a', '404 No such container: a', MINE.Id], // ambiguous on the engine (a 500), unique among the visible
    ['ab12', hex('f1'), MINE.Id], // the engine finds the invisible one by name; the visible by prefix
    ['theirs', hex('ac'), '404 No such container: theirs'],
    ['ac', hex('ac'), '404 No such container: ac'],
    ['zz', '404 No such container: zz', '404 No such container: zz'],
    ['', '404 No such container: ', '404 No such container: '],
  ];
  for (const [ref, admin, others] of table) {
    it(`container ${JSON.stringify(ref)}`, async () => {
      assert.equal((await lookup('admin', 'container', ref)).found, admin);
      assert.equal((await lookup('view-only', 'container', ref)).found, others);
      assert.equal((await lookup('restricted-control', 'container', ref)).found, others);
    });
  }

  it('asks for no list when the engine knows nothing by that name', async () => {
    assert.deepEqual((await lookup('view-only', 'container', 'zz')).calls, ['/containers/zz/json']);
  });

  it('services too (an ambiguous prefix is a 400 there); exec instances are looked up by id only', async () => {
    assert.equal((await lookup('view-only', 'service', 'q')).found, 'q1');
    assert.equal((await lookup('view-only', 'service', 'hidden')).found, '404 service hidden not found');
    assert.equal((await lookup('view-only', 'exec', 'e1')).found, '404 No such exec instance: e1');
  });

  it('a reference the engine resolves again itself is taken as the engine takes it', async () => {
    for (const ref of ['a', 'ab12', 'theirs'])
      assert.match((await lookup('view-only', 'container', ref, false)).found, /^404 No such container/);
    assert.equal((await lookup('view-only', 'container', 'mine', false)).found, MINE.Id);
  });

  it('says nothing of the engine when it fails a lookup', async () => {
    const failing = { ...resources, failing: ['/containers/json?all=1'] };
    const { found } = await lookup('view-only', 'container', 'a', true, failing);
    assert.match(found, /^503 the Docker Engine behind Stevedore did not answer as expected/);
    assert.doesNotMatch(found, /containers|prefix|500/);
    const unreachable = new EngineFailure(undefined, 'cannot reach the Docker Engine at unix:///x.sock');
    assert.doesNotMatch(unreachable.message, /x\.sock/);
    assert.match(unreachable.reason, /x\.sock/);
  });
});

describe('the engine’s order among the visible', () => {
  const items = [
    { Id: 'abc1', Names: ['/abc2'] },
    { Id: 'abc2', Names: ['/x'] },
    { Id: 'abd', Names: ['/abc1x'] },
  ];
  const table: readonly [string, string | undefined][] = [
    ['abc2', 'abc2'], // a full id before a name
    ['x', 'abc2'],
    ['/x', 'abc2'],
    ['abc1x', 'abd'],
    ['abd', 'abd'],
    ['abc', undefined], // two ids start so: ambiguous
    ['q', undefined],
  ];
  for (const [ref, id] of table)
    it(`${ref} → ${String(id)}`, () => assert.equal(pickAmong('container', ref, items), id));

  it('a name held twice (networks may) is ambiguous, as on the engine', () => {
    const nets = [
      { Id: 'n1', Name: 'dup' },
      { Id: 'n2', Name: 'dup' },
    ];
    assert.equal(pickAmong('network', 'dup', nets), undefined);
  });
});
