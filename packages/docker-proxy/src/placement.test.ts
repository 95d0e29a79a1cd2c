import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccessModel, authorize, type Operation } from '@stevedore/authz';
import type { ProxyAccess, ProxyCaller } from './caller.js';
import type { EngineLink } from './engine-link.js';
import { placementConstraints } from './placement.js';
import type { EngineRefusal } from './refusals.js';

const nodes = [
  { ID: 'n-dev', Spec: { Role: 'worker', Labels: { 'io.stevedore.collection': '/Shared/dev' } } },
  { ID: 'n-ops', Spec: { Role: 'worker', Labels: { 'io.stevedore.collection': '/Shared/ops' } } },
  { ID: 'n-manager', Spec: { Role: 'manager', Labels: {} } },
];
const engine = { inspect: () => Promise.resolve(nodes) } as unknown as EngineLink;

function setup(roleId: string) {
  const model = new AccessModel();
  model.putUser({ name: 'u', admin: false, active: true });
  model.addCollection('/Shared/dev');
  model.addCollection('/Shared/ops');
  model.addGrant({ id: 'g', subject: { kind: 'user', id: 'u' }, roleId, collection: '/Shared/dev' });
  const access: ProxyAccess = {
    authorize: (r: { user: string; operation: Operation; collection: string }) => authorize(model, r),
    collectionExists: (p) => model.collections.has(p),
  };
  const caller: ProxyCaller = {
    name: 'u',
    admin: false,
    defaultCollection: '/Shared/dev',
    remoteAddress: '',
  };
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
