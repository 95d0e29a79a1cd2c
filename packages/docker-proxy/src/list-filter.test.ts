import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { filterList } from './list-filter.js';
import { addConstraints } from './placement.js';
import type { Resolver } from './resolver.js';
import { testAccess } from './test-access.js';

function fixture() {
  const { access, caller } = testAccess('bob', [{ roleId: 'view-only', collection: '/Shared/dev' }]);
  const services = new Map([
    ['svc-dev', '/Shared/dev'],
    ['svc-sys', '/System'],
  ]);
  const resolver = { serviceCollections: () => Promise.resolve(services) } as unknown as Resolver;
  return { access, caller, resolver };
}

const dev = { 'io.stevedore.collection': '/Shared/dev' };

describe('list filtering', () => {
  it('keeps containers by their label, and task containers by their service', async () => {
    const { access, caller, resolver } = fixture();
    const list = [
      { Id: 'a', Labels: dev },
      { Id: 'b', Labels: {} },
      { Id: 'c', Labels: { 'com.docker.swarm.service.id': 'svc-dev' } },
      { Id: 'd', Labels: { ...dev, 'com.docker.swarm.service.id': 'svc-sys' } },
      { Id: 'e', Labels: null },
    ];
    const kept = (await filterList('container', list, access, caller, resolver)) as { Id: string }[];
    assert.deepEqual(
      kept.map((c) => c.Id),
      ['a', 'c'],
    );
  });

  it('keeps tasks by their service, volumes inside their wrapper, and images all or none', async () => {
    const { access, caller, resolver } = fixture();
    const tasks = (await filterList(
      'task',
      [
        { ID: '1', ServiceID: 'svc-dev' },
        { ID: '2', ServiceID: 'gone' },
      ],
      access,
      caller,
      resolver,
    )) as { ID: string }[];
    assert.deepEqual(
      tasks.map((t) => t.ID),
      ['1'],
    );
    const volumes = await filterList(
      'volume',
      { Volumes: [{ Name: 'v1', Labels: dev }, { Name: 'v2' }], Warnings: null },
      access,
      caller,
      resolver,
    );
    assert.deepEqual(volumes, { Volumes: [{ Name: 'v1', Labels: dev }], Warnings: null });
    // bob holds Restricted Control on his private collection, but no grant exists in this bare model.
    assert.deepEqual(await filterList('image', [{ Id: 'i' }], access, caller, resolver), []);
  });

  it('keeps services and secrets by Spec.Labels', async () => {
    const { access, caller, resolver } = fixture();
    const kept = (await filterList(
      'service',
      [
        { ID: 's1', Spec: { Labels: dev } },
        { ID: 's2', Spec: {} },
      ],
      access,
      caller,
      resolver,
    )) as { ID: string }[];
    assert.deepEqual(
      kept.map((s) => s.ID),
      ['s1'],
    );
  });
});

describe('placement constraints', () => {
  it('adds each constraint once and keeps the spec’s own', () => {
    const spec: Record<string, unknown> = {
      TaskTemplate: { Placement: { Constraints: ['node.role==worker', 'node.id!=n1'] } },
    };
    addConstraints(spec, ['node.id!=n1', 'node.id!=n2']);
    assert.deepEqual(spec, {
      TaskTemplate: { Placement: { Constraints: ['node.role==worker', 'node.id!=n1', 'node.id!=n2'] } },
    });
  });
});
