/** For this package's tests: an AccessModel with one user and grants, and the ProxyAccess over it. */
import { AccessModel, authorize, type Operation } from '@stevedore/authz';
import type { ProxyAccess, ProxyCaller } from './caller.js';

export function testAccess(
  user: string,
  grants: readonly { roleId: string; collection: string }[],
): { model: AccessModel; access: ProxyAccess; caller: ProxyCaller } {
  const model = new AccessModel();
  model.putUser({ name: user, admin: false, active: true });
  grants.forEach(({ roleId, collection }, i) => {
    if (!model.collections.has(collection)) model.addCollection(collection);
    model.addGrant({ id: `g${i}`, subject: { kind: 'user', id: user }, roleId, collection });
  });
  const access: ProxyAccess = {
    authorize: (r: { user: string; operation: Operation; collection: string }) => authorize(model, r),
    collectionExists: (p) => model.collections.has(p),
  };
  const caller: ProxyCaller = {
    name: user,
    admin: false,
    defaultCollection: `/Shared/Private/${user}`,
    remoteAddress: '',
    credential: `test:${user}`,
    stillValid: () => Promise.resolve(true),
  };
  return { model, access, caller };
}
