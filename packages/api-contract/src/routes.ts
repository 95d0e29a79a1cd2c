/**
 * The controller's REST API as data: every route with its access level, its schemas and its audit
 * action. The server refuses to start if a route here has no handler or a handler has no route here;
 * the OpenAPI document is generated from this table; clients call routes by id.
 *
 * Access (deny by default — a route must say who may call it):
 * - `public`: no credentials (health, the CA, login).
 * - `user`: any active, authenticated account; handlers hide what the caller may not see (404, not 403).
 * - `admin`: administrators only; others get 404 when the route names a resource, 403 otherwise.
 */
import { z } from 'zod';
import * as s from './schemas.js';

export type Access = 'public' | 'user' | 'admin';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  readonly method: Method;
  /** fastify-style path: `:name` parameters, a trailing `*` for the rest of the path */
  readonly path: string;
  readonly access: Access;
  readonly summary: string;
  readonly tag: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response?: z.ZodType;
  /** Status of a successful answer; 200 unless said. 204 has no body. */
  readonly status?: 200 | 201 | 204;
  /** Audit action recorded for every call (success or failure); reads of the audit log are not audited. */
  readonly audit?: string;
}

const nameParam = z.strictObject({ name: s.accountName });
const orgParam = z.strictObject({ org: s.accountName });
const teamParam = z.strictObject({ org: s.accountName, team: s.accountName });
const orgMemberParam = z.strictObject({ org: s.accountName, user: s.accountName });
const teamMemberParam = z.strictObject({ org: s.accountName, team: s.accountName, user: s.accountName });
const idParam = z.strictObject({ id: z.string().min(1).max(128) });
const userBundleParam = z.strictObject({ name: s.accountName, id: z.string().min(1).max(128) });
const wildcard = z.strictObject({ '*': z.string().max(600) });

function route<const R extends RouteSpec>(r: R): R {
  return r;
}

export const routes = {
  ping: route({
    method: 'GET',
    path: '/_ping',
    access: 'public',
    summary: 'Health check; answers OK',
    tag: 'system',
  }),
  ca: route({
    method: 'GET',
    path: '/ca',
    access: 'public',
    summary: 'The cluster root CA (PEM)',
    tag: 'system',
  }),
  login: route({
    method: 'POST',
    path: '/auth/login',
    access: 'public',
    tag: 'auth',
    summary: 'Log in; answers a session token for `Authorization: Bearer`',
    body: s.loginRequest,
    response: s.loginResponse,
    audit: 'auth.login',
  }),
  logout: route({
    method: 'POST',
    path: '/auth/logout',
    access: 'user',
    tag: 'auth',
    summary: 'End this session',
    status: 204,
    audit: 'auth.logout',
  }),
  me: route({
    method: 'GET',
    path: '/api/v1/me',
    access: 'user',
    tag: 'accounts',
    summary: 'The calling account',
    response: s.user,
  }),
  changeOwnPassword: route({
    method: 'PUT',
    path: '/api/v1/me/password',
    access: 'user',
    tag: 'accounts',
    summary: 'Change your password',
    body: s.changeOwnPasswordRequest,
    status: 204,
    audit: 'user.password',
  }),
  listAccessTokens: route({
    method: 'GET',
    path: '/api/v1/me/tokens',
    access: 'user',
    tag: 'accounts',
    summary: 'Your access tokens (no secrets)',
    response: z.object({ items: z.array(s.accessToken) }),
  }),
  createAccessToken: route({
    method: 'POST',
    path: '/api/v1/me/tokens',
    access: 'user',
    tag: 'accounts',
    summary: 'Create a long-lived access token; the token is shown only in this answer',
    body: s.createAccessTokenRequest,
    response: s.createdAccessToken,
    status: 201,
    audit: 'token.create',
  }),
  revokeAccessToken: route({
    method: 'DELETE',
    path: '/api/v1/me/tokens/:id',
    access: 'user',
    tag: 'accounts',
    summary: 'Revoke an access token',
    params: idParam,
    status: 204,
    audit: 'token.revoke',
  }),
  downloadClientBundle: route({
    method: 'GET',
    path: '/api/clientbundle',
    access: 'user',
    tag: 'accounts',
    summary:
      'Download a client bundle (application/zip): a fresh client certificate and key for the docker CLI ' +
      'with env.sh/env.ps1/env.cmd; `format=context` gives a zip for `docker context import`. The key is not kept',
    query: s.clientBundleQuery,
    audit: 'bundle.create',
  }),
  listOwnBundles: route({
    method: 'GET',
    path: '/api/v1/me/bundles',
    access: 'user',
    tag: 'accounts',
    summary: 'Your client bundles (no keys)',
    response: z.object({ items: z.array(s.clientBundle) }),
  }),
  revokeOwnBundle: route({
    method: 'DELETE',
    path: '/api/v1/me/bundles/:id',
    access: 'user',
    tag: 'accounts',
    summary: 'Revoke one of your client bundles; its certificate is refused from then on',
    params: idParam,
    status: 204,
    audit: 'bundle.revoke',
  }),
  listUsers: route({
    method: 'GET',
    path: '/api/v1/users',
    access: 'admin',
    tag: 'accounts',
    summary: 'List users',
    query: s.pageQuery,
    response: s.page(s.user),
  }),
  createUser: route({
    method: 'POST',
    path: '/api/v1/users',
    access: 'admin',
    tag: 'accounts',
    summary: 'Create a user (with a private collection on which they get Restricted Control)',
    body: s.createUserRequest,
    response: s.user,
    status: 201,
    audit: 'user.create',
  }),
  getUser: route({
    method: 'GET',
    path: '/api/v1/users/:name',
    access: 'user',
    tag: 'accounts',
    summary: 'A user (yourself, or anyone for administrators)',
    params: nameParam,
    response: s.user,
  }),
  updateUser: route({
    method: 'PATCH',
    path: '/api/v1/users/:name',
    access: 'admin',
    tag: 'accounts',
    summary: 'Change a user',
    params: nameParam,
    body: s.updateUserRequest,
    response: s.user,
    audit: 'user.update',
  }),
  deleteUser: route({
    method: 'DELETE',
    path: '/api/v1/users/:name',
    access: 'admin',
    tag: 'accounts',
    summary: 'Delete a user',
    params: nameParam,
    status: 204,
    audit: 'user.delete',
  }),
  listUserBundles: route({
    method: 'GET',
    path: '/api/v1/users/:name/bundles',
    access: 'admin',
    tag: 'accounts',
    summary: "A user's client bundles",
    params: nameParam,
    response: z.object({ items: z.array(s.clientBundle) }),
  }),
  revokeUserBundle: route({
    method: 'DELETE',
    path: '/api/v1/users/:name/bundles/:id',
    access: 'admin',
    tag: 'accounts',
    summary: "Revoke a user's client bundle",
    params: userBundleParam,
    status: 204,
    audit: 'bundle.revoke',
  }),
  listOrgs: route({
    method: 'GET',
    path: '/api/v1/orgs',
    access: 'user',
    tag: 'accounts',
    summary: 'Orgs (all for administrators, yours otherwise)',
    query: s.pageQuery,
    response: s.page(s.org),
  }),
  createOrg: route({
    method: 'POST',
    path: '/api/v1/orgs',
    access: 'admin',
    tag: 'accounts',
    summary: 'Create an org',
    body: s.createOrgRequest,
    response: s.org,
    status: 201,
    audit: 'org.create',
  }),
  getOrg: route({
    method: 'GET',
    path: '/api/v1/orgs/:org',
    access: 'user',
    tag: 'accounts',
    summary: 'An org you belong to',
    params: orgParam,
    response: s.org,
  }),
  deleteOrg: route({
    method: 'DELETE',
    path: '/api/v1/orgs/:org',
    access: 'admin',
    tag: 'accounts',
    summary: 'Delete an org, its teams and their grants',
    params: orgParam,
    status: 204,
    audit: 'org.delete',
  }),
  listOrgMembers: route({
    method: 'GET',
    path: '/api/v1/orgs/:org/members',
    access: 'user',
    tag: 'accounts',
    summary: 'Members of an org',
    params: orgParam,
    response: z.object({ items: z.array(s.member) }),
  }),
  addOrgMember: route({
    method: 'PUT',
    path: '/api/v1/orgs/:org/members/:user',
    access: 'admin',
    tag: 'accounts',
    summary: 'Add a user to an org',
    params: orgMemberParam,
    status: 204,
    audit: 'org.member.add',
  }),
  removeOrgMember: route({
    method: 'DELETE',
    path: '/api/v1/orgs/:org/members/:user',
    access: 'admin',
    tag: 'accounts',
    summary: 'Remove a user from an org and its teams',
    params: orgMemberParam,
    status: 204,
    audit: 'org.member.remove',
  }),
  listTeams: route({
    method: 'GET',
    path: '/api/v1/orgs/:org/teams',
    access: 'user',
    tag: 'accounts',
    summary: 'Teams of an org',
    params: orgParam,
    response: z.object({ items: z.array(s.team) }),
  }),
  createTeam: route({
    method: 'POST',
    path: '/api/v1/orgs/:org/teams',
    access: 'admin',
    tag: 'accounts',
    summary: 'Create a team',
    params: orgParam,
    body: s.createTeamRequest,
    response: s.team,
    status: 201,
    audit: 'team.create',
  }),
  getTeam: route({
    method: 'GET',
    path: '/api/v1/orgs/:org/teams/:team',
    access: 'user',
    tag: 'accounts',
    summary: 'A team',
    params: teamParam,
    response: s.team,
  }),
  deleteTeam: route({
    method: 'DELETE',
    path: '/api/v1/orgs/:org/teams/:team',
    access: 'admin',
    tag: 'accounts',
    summary: 'Delete a team and its grants',
    params: teamParam,
    status: 204,
    audit: 'team.delete',
  }),
  listTeamMembers: route({
    method: 'GET',
    path: '/api/v1/orgs/:org/teams/:team/members',
    access: 'user',
    tag: 'accounts',
    summary: 'Members of a team',
    params: teamParam,
    response: z.object({ items: z.array(s.member) }),
  }),
  addTeamMember: route({
    method: 'PUT',
    path: '/api/v1/orgs/:org/teams/:team/members/:user',
    access: 'admin',
    tag: 'accounts',
    summary: 'Add a user to a team (and its org)',
    params: teamMemberParam,
    status: 204,
    audit: 'team.member.add',
  }),
  removeTeamMember: route({
    method: 'DELETE',
    path: '/api/v1/orgs/:org/teams/:team/members/:user',
    access: 'admin',
    tag: 'accounts',
    summary: 'Remove a user from a team',
    params: teamMemberParam,
    status: 204,
    audit: 'team.member.remove',
  }),
  listRoles: route({
    method: 'GET',
    path: '/api/v1/roles',
    access: 'user',
    tag: 'access',
    summary: 'Built-in and custom roles',
    response: z.object({ items: z.array(s.role) }),
  }),
  createRole: route({
    method: 'POST',
    path: '/api/v1/roles',
    access: 'admin',
    tag: 'access',
    summary: 'Create a custom role',
    body: s.createRoleRequest,
    response: s.role,
    status: 201,
    audit: 'role.create',
  }),
  getRole: route({
    method: 'GET',
    path: '/api/v1/roles/:id',
    access: 'user',
    tag: 'access',
    summary: 'A role',
    params: idParam,
    response: s.role,
  }),
  deleteRole: route({
    method: 'DELETE',
    path: '/api/v1/roles/:id',
    access: 'admin',
    tag: 'access',
    summary: 'Delete a custom role no grant uses',
    params: idParam,
    status: 204,
    audit: 'role.delete',
  }),
  listCollections: route({
    method: 'GET',
    path: '/api/v1/collections',
    access: 'user',
    tag: 'access',
    summary: 'Collections (all for administrators; otherwise those your grants reach)',
    response: z.object({ items: z.array(s.collection) }),
  }),
  createCollection: route({
    method: 'POST',
    path: '/api/v1/collections',
    access: 'admin',
    tag: 'access',
    summary: 'Create a collection',
    body: s.createCollectionRequest,
    response: s.collection,
    status: 201,
    audit: 'collection.create',
  }),
  getCollection: route({
    method: 'GET',
    path: '/api/v1/collections/*',
    access: 'user',
    tag: 'access',
    summary: 'A collection, by its path after /api/v1/collections',
    params: wildcard,
    response: s.collection,
  }),
  deleteCollection: route({
    method: 'DELETE',
    path: '/api/v1/collections/*',
    access: 'admin',
    tag: 'access',
    summary: 'Delete an empty collection without children',
    params: wildcard,
    status: 204,
    audit: 'collection.delete',
  }),
  listGrants: route({
    method: 'GET',
    path: '/api/v1/grants',
    access: 'user',
    tag: 'access',
    summary: 'Grants (all for administrators; those that apply to you otherwise)',
    response: z.object({ items: z.array(s.grant) }),
  }),
  createGrant: route({
    method: 'POST',
    path: '/api/v1/grants',
    access: 'admin',
    tag: 'access',
    summary: 'Grant a role on a collection to a user, team or org',
    body: s.createGrantRequest,
    response: s.grant,
    status: 201,
    audit: 'grant.create',
  }),
  deleteGrant: route({
    method: 'DELETE',
    path: '/api/v1/grants/:id',
    access: 'admin',
    tag: 'access',
    summary: 'Remove a grant',
    params: idParam,
    status: 204,
    audit: 'grant.delete',
  }),
  audit: route({
    method: 'GET',
    path: '/api/v1/audit',
    access: 'admin',
    tag: 'audit',
    summary: 'The audit log, newest last, with filters',
    query: s.auditQuery,
    response: s.page(s.auditEntry),
  }),
  getSettings: route({
    method: 'GET',
    path: '/api/v1/settings',
    access: 'admin',
    tag: 'settings',
    summary: 'Cluster settings: session lifetime, renewal, per-user sessions, client bundle lifetime',
    response: s.clusterSettings,
  }),
  updateSettings: route({
    method: 'PATCH',
    path: '/api/v1/settings',
    access: 'admin',
    tag: 'settings',
    summary: 'Change cluster settings; every controller applies them at once',
    body: s.clusterSettingsPatch,
    response: s.clusterSettings,
    audit: 'settings.update',
  }),
  openapi: route({
    method: 'GET',
    path: '/api/openapi.json',
    access: 'public',
    tag: 'system',
    summary: 'This API as OpenAPI 3.1',
  }),
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof routes;
