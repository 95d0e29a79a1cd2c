/**
 * Service accounts of an org over REST. Org members may read them; org admins and administrators create,
 * change and delete them and their tokens. Outside the org the org is a 404, as elsewhere.
 */
import { PermissionDeniedError } from '@stevedore/errors';
import { serviceAccountLogin, type ServiceAccount } from '@stevedore/identity';
import type { Caller, Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';
import { requireOrgMember } from './visibility.js';

type ServiceAccountHandlers = Pick<
  Handlers,
  | 'listServiceAccounts'
  | 'createServiceAccount'
  | 'getServiceAccount'
  | 'updateServiceAccount'
  | 'deleteServiceAccount'
  | 'listServiceAccountTokens'
  | 'createServiceAccountToken'
  | 'revokeServiceAccountToken'
>;

const shown = (a: ServiceAccount) => ({ ...a, login: serviceAccountLogin(a.org, a.name) });

async function requireOrgAdmin(services: Services, caller: Caller, org: string): Promise<void> {
  await requireOrgMember(services, caller, org);
  if (caller.admin) return;
  const members = await services.identity.members.listOrgMembers(org);
  if (!members.some((m) => m.user === caller.name && m.admin)) {
    throw new PermissionDeniedError(`managing the service accounts of ${org} needs an org admin of ${org}`);
  }
}

export function serviceAccountHandlers(services: Services): ServiceAccountHandlers {
  const accounts = services.identity.serviceAccounts;
  return {
    listServiceAccounts: async ({ caller, params, audit }) => {
      audit.target = `org:${params.org}`;
      await requireOrgMember(services, caller, params.org);
      return { body: { items: (await accounts.list(params.org)).map(shown) } };
    },
    createServiceAccount: async ({ caller, params, body, audit }) => {
      audit.target = `service-account:${params.org}/${body.name}`;
      await requireOrgAdmin(services, caller, params.org);
      return { body: shown((await accounts.create(params.org, body)).value) };
    },
    getServiceAccount: async ({ caller, params, audit }) => {
      audit.target = `service-account:${params.org}/${params.name}`;
      await requireOrgMember(services, caller, params.org);
      return { body: shown(await accounts.get(params.org, params.name)) };
    },
    updateServiceAccount: async ({ caller, params, body, audit }) => {
      audit.target = `service-account:${params.org}/${params.name}`;
      await requireOrgAdmin(services, caller, params.org);
      return { body: shown((await accounts.update(params.org, params.name, body)).value) };
    },
    deleteServiceAccount: async ({ caller, params, audit }) => {
      audit.target = `service-account:${params.org}/${params.name}`;
      await requireOrgAdmin(services, caller, params.org);
      await accounts.delete(params.org, params.name);
      return {};
    },
    listServiceAccountTokens: async ({ caller, params, audit }) => {
      audit.target = `service-account:${params.org}/${params.name}`;
      await requireOrgAdmin(services, caller, params.org);
      return { body: { items: await accounts.listTokens(params.org, params.name) } };
    },
    createServiceAccountToken: async ({ caller, params, body, audit }) => {
      audit.target = `service-account:${params.org}/${params.name}`;
      await requireOrgAdmin(services, caller, params.org);
      const { revision: _revision, ...created } = await accounts.createToken(params.org, params.name, body);
      audit.target = `service-account:${params.org}/${params.name}/token:${created.id}`;
      return { body: created };
    },
    revokeServiceAccountToken: async ({ caller, params, audit }) => {
      audit.target = `service-account:${params.org}/${params.name}/token:${params.id}`;
      await requireOrgAdmin(services, caller, params.org);
      await accounts.revokeToken(params.org, params.name, params.id);
      return {};
    },
  };
}
