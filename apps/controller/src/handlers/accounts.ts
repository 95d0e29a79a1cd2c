/** Users, orgs, teams and memberships. Administrators change them; members see their own orgs and teams. */
import { FailedPreconditionError } from '@stevedore/errors';
import type { Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';
import { notFound, requireOrgMember } from './visibility.js';

type AccountHandlers = Pick<
  Handlers,
  | 'listUsers'
  | 'createUser'
  | 'getUser'
  | 'updateUser'
  | 'deleteUser'
  | 'listOrgs'
  | 'createOrg'
  | 'getOrg'
  | 'deleteOrg'
  | 'listOrgMembers'
  | 'addOrgMember'
  | 'removeOrgMember'
  | 'listTeams'
  | 'createTeam'
  | 'getTeam'
  | 'deleteTeam'
  | 'listTeamMembers'
  | 'addTeamMember'
  | 'removeTeamMember'
>;

const cursor = <T extends { name: string }>(page: { items: readonly T[]; more: boolean }) =>
  page.more ? (page.items[page.items.length - 1]?.name ?? null) : null;

export function accountHandlers(services: Services): AccountHandlers {
  const { identity, access } = services;
  return {
    listUsers: async ({ query }) => {
      const page = await identity.users.list(query);
      return { body: { items: page.items, next: cursor(page) } };
    },
    createUser: async ({ body, audit }) => {
      audit.target = `user:${body.name}`;
      return { body: (await identity.users.create(body)).value };
    },
    getUser: async ({ params, caller }) => {
      if (!caller.admin && caller.name !== params.name) throw notFound(`user ${params.name}`);
      return { body: await identity.users.get(params.name) };
    },
    updateUser: async ({ params, body, caller, audit }) => {
      audit.target = `user:${params.name}`;
      const { password, ...patch } = body;
      if (caller.name === params.name && (patch.admin === false || patch.active === false)) {
        throw new FailedPreconditionError(
          'you cannot remove your own administrator rights or deactivate yourself',
        );
      }
      if (patch.defaultCollection !== undefined) await access.collections.get(patch.defaultCollection);
      if (password !== undefined) await identity.users.setPassword(params.name, password);
      return { body: (await identity.users.update(params.name, patch)).value };
    },
    deleteUser: async ({ params, caller, audit }) => {
      audit.target = `user:${params.name}`;
      if (caller.name === params.name)
        throw new FailedPreconditionError('you cannot delete your own account');
      await identity.users.delete(params.name);
      return {};
    },
    listOrgs: async ({ query, caller }) => {
      if (caller.admin) {
        const page = await identity.orgs.list(query);
        return { body: { items: page.items, next: cursor(page) } };
      }
      const { orgs } = await identity.members.of(caller.name);
      const items = await Promise.all([...orgs].sort().map((org) => identity.orgs.get(org)));
      return { body: { items, next: null } };
    },
    createOrg: async ({ body, audit }) => {
      audit.target = `org:${body.name}`;
      return { body: (await identity.orgs.create(body)).value };
    },
    getOrg: async ({ params, caller }) => {
      await requireOrgMember(services, caller, params.org);
      return { body: await identity.orgs.get(params.org) };
    },
    deleteOrg: async ({ params, audit }) => {
      audit.target = `org:${params.org}`;
      await identity.orgs.delete(params.org);
      return {};
    },
    listOrgMembers: async ({ params, caller }) => {
      await requireOrgMember(services, caller, params.org);
      return { body: { items: await identity.members.listOrgMembers(params.org) } };
    },
    addOrgMember: async ({ params, body, audit }) => {
      audit.target = `org:${params.org}/user:${params.user}`;
      await identity.members.addToOrg(
        params.org,
        params.user,
        body.admin !== undefined ? { admin: body.admin } : {},
      );
      return {};
    },
    removeOrgMember: async ({ params, audit }) => {
      audit.target = `org:${params.org}/user:${params.user}`;
      await identity.members.removeFromOrg(params.org, params.user);
      return {};
    },
    listTeams: async ({ params, caller }) => {
      await requireOrgMember(services, caller, params.org);
      return { body: { items: await identity.teams.list(params.org) } };
    },
    createTeam: async ({ params, body, audit }) => {
      audit.target = `team:${params.org}/${body.name}`;
      return { body: (await identity.teams.create(params.org, body)).value };
    },
    getTeam: async ({ params, caller }) => {
      await requireOrgMember(services, caller, params.org);
      return { body: await identity.teams.get(params.org, params.team) };
    },
    deleteTeam: async ({ params, audit }) => {
      audit.target = `team:${params.org}/${params.team}`;
      await identity.teams.delete(params.org, params.team);
      return {};
    },
    listTeamMembers: async ({ params, caller }) => {
      await requireOrgMember(services, caller, params.org);
      const users = await identity.members.listTeamMembers(params.org, params.team);
      return { body: { items: users.map((user) => ({ user })) } };
    },
    addTeamMember: async ({ params, audit }) => {
      audit.target = `team:${params.org}/${params.team}/user:${params.user}`;
      await identity.members.addToTeam(params.org, params.team, params.user);
      return {};
    },
    removeTeamMember: async ({ params, audit }) => {
      audit.target = `team:${params.org}/${params.team}/user:${params.user}`;
      await identity.members.removeFromTeam(params.org, params.team, params.user);
      return {};
    },
  };
}
