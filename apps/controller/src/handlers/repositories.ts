/**
 * Registry repositories over REST: records, tags, team access and namespace settings. Every route is
 * `user` access; the decision is the repositories package's (admins everything, owners and org admins
 * their namespaces, teams by their access), and what the caller may not see is a 404 exactly like a
 * missing repository. Repository names hold "/": the route's `:name` is one segment with "/" sent as %2F,
 * which fastify decodes into the parameter.
 */
import { PermissionDeniedError } from '@stevedore/errors';
import type { RegistrySubject } from '@stevedore/repositories';
import type { Caller, Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';

type RepositoryHandlers = Pick<
  Handlers,
  | 'listRepositories'
  | 'createRepository'
  | 'getRepository'
  | 'updateRepository'
  | 'deleteRepository'
  | 'listRepositoryTags'
  | 'deleteRepositoryTag'
  | 'listRepositoryTeams'
  | 'getRepositoryTeam'
  | 'putRepositoryTeam'
  | 'deleteRepositoryTeam'
  | 'getRepositoryNamespace'
  | 'updateRepositoryNamespace'
>;

const subjectOf = (caller: Caller): RegistrySubject => ({ kind: 'user', name: caller.name });
const target = (p: { namespace: string; name: string }) => `repository:${p.namespace}/${p.name}`;

export function repositoryHandlers(services: Services): RepositoryHandlers {
  const { service, permissions } = services.repositories;
  const content = services.repositoryContent;
  return {
    listRepositories: async ({ caller, query }) => ({
      body: await service.list(subjectOf(caller), query),
    }),
    createRepository: async ({ caller, body, audit }) => {
      audit.target = target(body);
      return { body: await service.create(subjectOf(caller), body) };
    },
    getRepository: async ({ caller, params, audit }) => {
      audit.target = target(params);
      return { body: await service.get(subjectOf(caller), params.namespace, params.name) };
    },
    updateRepository: async ({ caller, params, body, audit }) => {
      audit.target = target(params);
      return { body: await service.update(subjectOf(caller), params.namespace, params.name, body) };
    },
    deleteRepository: async ({ caller, params, audit }) => {
      audit.target = target(params);
      await service.delete(subjectOf(caller), params.namespace, params.name);
      return {};
    },
    listRepositoryTags: async ({ caller, params, audit }) => {
      audit.target = target(params);
      const repo = await service.get(subjectOf(caller), params.namespace, params.name);
      return { body: { items: await content.listTags(repo.path) } };
    },
    deleteRepositoryTag: async ({ caller, params, audit }) => {
      audit.target = `${target(params)}:${params.tag}`;
      const repo = await service.get(subjectOf(caller), params.namespace, params.name);
      if (!repo.actions.includes('delete')) {
        throw new PermissionDeniedError(`deleting tags of ${repo.path} needs admin access on it`);
      }
      await content.deleteTag(repo.path, params.tag);
      return {};
    },
    listRepositoryTeams: async ({ caller, params, audit }) => {
      audit.target = target(params);
      return {
        body: { items: await permissions.listTeams(subjectOf(caller), params.namespace, params.name) },
      };
    },
    getRepositoryTeam: async ({ caller, params, audit }) => {
      audit.target = `${target(params)}/team:${params.team}`;
      return {
        body: await permissions.getTeam(subjectOf(caller), params.namespace, params.name, params.team),
      };
    },
    putRepositoryTeam: async ({ caller, params, body, audit }) => {
      audit.target = `${target(params)}/team:${params.team}`;
      const { namespace, name, team } = params;
      return { body: await permissions.putTeam(subjectOf(caller), namespace, name, team, body.access) };
    },
    deleteRepositoryTeam: async ({ caller, params, audit }) => {
      audit.target = `${target(params)}/team:${params.team}`;
      await permissions.deleteTeam(subjectOf(caller), params.namespace, params.name, params.team);
      return {};
    },
    getRepositoryNamespace: async ({ caller, params, audit }) => {
      audit.target = `namespace:${params.namespace}`;
      return { body: await permissions.getNamespace(subjectOf(caller), params.namespace) };
    },
    updateRepositoryNamespace: async ({ caller, params, body, audit }) => {
      audit.target = `namespace:${params.namespace}`;
      return { body: await permissions.updateNamespace(subjectOf(caller), params.namespace, body) };
    },
  };
}
