import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyAccess } from './caller.js';
import { DecisionCache } from './decisions.js';
import { testAccess } from './test-access.js';

/** alice with View Only on /Shared/dev, an access that counts what it is asked, and a revision to move. */
function setup() {
  const alice = testAccess('alice', [{ roleId: 'view-only', collection: '/Shared/dev' }]);
  const bob = testAccess('bob', []);
  alice.model.putUser({ name: 'bob', admin: false, active: true });
  let revision = 1;
  let asked = 0;
  const access: ProxyAccess = {
    authorize: (r) => {
      asked++;
      return alice.access.authorize(r);
    },
    collectionExists: alice.access.collectionExists,
    revision: () => revision,
  };
  return {
    cache: new DecisionCache(access),
    alice: alice.caller,
    bob: bob.caller,
    model: alice.model,
    asked: () => asked,
    move: () => revision++,
  };
}

describe('list decisions kept per access model revision', () => {
  it('asks the authorizer once per user, operation and collection while the revision stays', () => {
    const { cache, alice, asked } = setup();
    for (let call = 0; call < 3; call++) {
      const allowed = cache.forCall(alice);
      assert.equal(allowed('service.view', '/Shared/dev'), true);
      assert.equal(allowed('service.logs', '/Shared/dev'), false);
      assert.equal(allowed('service.view', '/System'), false);
    }
    assert.equal(asked(), 3);
  });

  it('decides again once the revision moved: a removed grant counts from the next call', () => {
    const { cache, alice, model, move } = setup();
    assert.equal(cache.forCall(alice)('container.view', '/Shared/dev'), true);
    model.removeGrant('g0');
    move();
    assert.equal(cache.forCall(alice)('container.view', '/Shared/dev'), false);
  });

  it('keeps each user’s decisions apart', () => {
    const { cache, alice, bob } = setup();
    assert.equal(cache.forCall(alice)('network.view', '/Shared/dev'), true);
    assert.equal(cache.forCall(bob)('network.view', '/Shared/dev'), false);
    assert.equal(cache.forCall(alice)('network.view', '/Shared/dev'), true);
  });

  it('keeps decisions for one call only when the access says no revision', () => {
    const { access, caller } = testAccess('alice', [{ roleId: 'view-only', collection: '/Shared/dev' }]);
    let asked = 0;
    const counting: ProxyAccess = {
      authorize: (r) => {
        asked++;
        return access.authorize(r);
      },
      collectionExists: access.collectionExists,
    };
    const cache = new DecisionCache(counting);
    assert.equal(cache.forCall(caller)('config.view', '/Shared/dev'), true);
    const call = cache.forCall(caller);
    call('config.view', '/Shared/dev');
    call('config.view', '/Shared/dev');
    assert.equal(asked, 2);
  });
});
