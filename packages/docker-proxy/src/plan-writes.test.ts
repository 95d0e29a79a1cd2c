/**
 * A create's checks run in their order whatever runs beside what: the image check starts with the node's
 * lookup (plan-writes.ts), yet a caller who may not schedule on the node is refused for that, and one who
 * may is refused for the image; each image is checked once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBody } from './canonical/index.js';
import { createMemoryImageOwners } from './image-owners.js';
import { matchEndpoint } from './operations/index.js';
import type { PlanContext } from './plan-context.js';
import { planRequest } from './plan.js';
import { EngineRefusal } from './refusals.js';
import { Resolver } from './resolver.js';
import { IN_DEV, testCallers } from './test-callers.js';
import { fakeLookups } from './test-lookups.js';

const CREATE = '/v1.41/containers/create';

function plan(nodeLabels: Record<string, string>, body: unknown) {
  const engine = fakeLookups({
    info: { Swarm: { NodeID: 'n1' } },
    nodes: [{ ID: 'n1', Spec: { Labels: nodeLabels } }],
  });
  const { access, caller } = testCallers()['restricted-control'];
  const checked: string[] = [];
  const bytes = Buffer.from(JSON.stringify(body));
  const ctx: PlanContext = {
    engine,
    resolver: new Resolver(engine),
    access,
    caller,
    readBody: (kind) =>
      Promise.resolve(decodeBody(kind, bytes, { allowUnknown: false }) as Record<string, unknown>),
    images: {
      owners: createMemoryImageOwners(),
      checkUse: (_ctx, ref) => {
        checked.push(ref);
        return ref === 'hidden'
          ? Promise.reject(new EngineRefusal(404, `No such image: ${ref}`))
          : Promise.resolve();
      },
    },
  };
  const match = matchEndpoint('POST', CREATE);
  assert.ok(match);
  return { planned: planRequest(ctx, match, CREATE), checked };
}

const refusedWith = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof EngineRefusal, String(err));
  assert.match(err.message, pattern);
  return true;
};

describe('a create’s checks, in their order', () => {
  it('refuses the node first when both the node and the image would refuse', async () => {
    const { planned } = plan({ 'io.stevedore.collection': '/System' }, { Image: 'hidden' });
    await assert.rejects(planned, refusedWith(/running a container on this engine's node is refused/));
  });

  it('refuses an image the caller may not see once the node is allowed', async () => {
    const { planned, checked } = plan(IN_DEV, { Image: 'hidden' });
    await assert.rejects(planned, refusedWith(/No such image: hidden/));
    assert.deepEqual(checked, ['hidden']);
  });

  it('checks each image once, and plans the create when all pass', async () => {
    const { planned, checked } = plan(IN_DEV, { Image: 'app' });
    assert.equal((await planned).action, 'container.create');
    assert.deepEqual(checked, ['app']);
  });
});
