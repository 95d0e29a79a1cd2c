import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineLookups } from './engine-api.js';
import { placementConstraints } from './placement.js';
import type { EngineRefusal } from './refusals.js';
import { testAccess } from './test-access.js';

const nodes = [
  { ID: 'n-dev', Spec: { Role: 'worker', Labels: { 'io.stevedore.collection': '/Shared/dev' } } },
  { ID: 'n-ops', Spec: { Role: 'worker', Labels: { 'io.stevedore.collection': '/Shared/ops' } } },
  { ID: 'n-manager', Spec: { Role: 'manager', Labels: {} } },
];
const engine = { inspect: () => Promise.resolve(nodes) } as unknown as EngineLookups;

function setup(roleId: string) {
  const { model, access, caller } = testAccess('u', [{ roleId, collection: '/Shared/dev' }]);
  model.addCollection('/Shared/ops');
  return { access, caller };
}

describe('service placement', () => {
  it('keeps a service off every node the caller may not schedule on', async () => {
    const { access, caller } = setup('scheduler');
    assert.deepEqual(await placementConstraints(engine, access, caller), [
      'node.id!=n-ops',
      'node.id!=n-manager',
    ]);
  });

  it('refuses when no node is allowed, and constrains nothing for administrators', async () => {
    const { access, caller } = setup('view-only');
    await assert.rejects(placementConstraints(engine, access, caller), (err: EngineRefusal) => {
      assert.equal(err.status, 403);
      assert.match(err.message, /may not schedule on any node/);
      return true;
    });
    assert.deepEqual(await placementConstraints(engine, access, { ...caller, admin: true }), []);
  });
});
