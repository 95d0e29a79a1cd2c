/** Roles, collections, grants and the audit log. */
import type { Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';
import { grantsOf, notFound, reachable } from './visibility.js';

type AccessHandlers = Pick<
  Handlers,
  | 'listRoles'
  | 'createRole'
  | 'getRole'
  | 'deleteRole'
  | 'listCollections'
  | 'createCollection'
  | 'getCollection'
  | 'deleteCollection'
  | 'listGrants'
  | 'createGrant'
  | 'deleteGrant'
  | 'audit'
>;

const collectionOf = (c: { path: string; builtin: boolean }) => ({ path: c.path, builtin: c.builtin });

export function accessHandlers(services: Services): AccessHandlers {
  const { access } = services;
  return {
    listRoles: async () => ({ body: { items: await access.roles.list() } }),
    createRole: async ({ body, audit }) => {
      audit.target = `role:${body.name}`;
      const role = (await access.roles.create(body)).value;
      audit.target = `role:${role.id}`;
      return { body: role };
    },
    getRole: async ({ params }) => ({ body: await access.roles.get(params.id) }),
    deleteRole: async ({ params, audit }) => {
      audit.target = `role:${params.id}`;
      await access.roles.delete(params.id);
      return {};
    },
    listCollections: async ({ caller }) => {
      const all = await access.collections.list();
      if (caller.admin) return { body: { items: all.map(collectionOf) } };
      const grants = await grantsOf(services, caller);
      return { body: { items: all.filter((c) => reachable(c.path, grants)).map(collectionOf) } };
    },
    createCollection: async ({ body, audit }) => {
      audit.target = `collection:${body.path}`;
      return { body: collectionOf((await access.collections.create(body.path)).value) };
    },
    getCollection: async ({ params, caller }) => {
      const path = `/${params['*']}`;
      if (!caller.admin && !reachable(path, await grantsOf(services, caller)))
        throw notFound(`collection ${path}`);
      return { body: collectionOf(await access.collections.get(path)) };
    },
    deleteCollection: async ({ params, audit }) => {
      const path = `/${params['*']}`;
      audit.target = `collection:${path}`;
      await access.collections.delete(path);
      return {};
    },
    listGrants: async ({ caller }) => ({
      body: { items: caller.admin ? await access.grants.list() : await grantsOf(services, caller) },
    }),
    createGrant: async ({ body, audit }) => {
      audit.target = `grant:${body.subject.kind}:${body.subject.id}/${body.roleId}${body.collection}`;
      const grant = (await access.grants.create(body)).value;
      audit.target = `grant:${grant.id}`;
      return { body: grant };
    },
    deleteGrant: async ({ params, audit }) => {
      audit.target = `grant:${params.id}`;
      await access.grants.delete(params.id);
      return {};
    },
    audit: async ({ query }) => ({ body: await services.audit.query(query) }),
  };
}
