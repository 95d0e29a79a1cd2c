/**
 * Request and response shapes of the controller's REST API, shared by the server (validation), the
 * OpenAPI document, the CLI and the dashboard. Request objects are strict: an unknown field is refused
 * with a 400 that names it. Field names follow UCP where its scripts depend on them (`auth_token`).
 */
import { z } from 'zod';

export const accountName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
  );
export const password = z.string().min(8, 'must be at least 8 characters').max(1024);
export const collectionPath = z
  .string()
  .min(1)
  .max(600)
  .startsWith('/', 'must be an absolute collection path');

export const loginRequest = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});
export const loginResponse = z.object({ auth_token: z.string(), expires_at: z.string() });

export const user = z.object({
  name: accountName,
  fullName: z.string(),
  admin: z.boolean(),
  active: z.boolean(),
  defaultCollection: z.string(),
  source: z.enum(['local', 'ldap']),
  createdAt: z.string(),
});
export const createUserRequest = z.strictObject({
  name: accountName,
  password,
  fullName: z.string().max(200).optional(),
  admin: z.boolean().optional(),
  active: z.boolean().optional(),
});
export const updateUserRequest = z.strictObject({
  fullName: z.string().max(200).optional(),
  admin: z.boolean().optional(),
  active: z.boolean().optional(),
  password: password.optional(),
  defaultCollection: collectionPath.optional(),
});
export const changeOwnPasswordRequest = z.strictObject({
  oldPassword: z.string().min(1),
  newPassword: password,
});

export const org = z.object({ name: accountName, fullName: z.string(), createdAt: z.string() });
export const createOrgRequest = z.strictObject({
  name: accountName,
  fullName: z.string().max(200).optional(),
});
export const team = z.object({
  org: accountName,
  name: accountName,
  description: z.string(),
  createdAt: z.string(),
});
export const createTeamRequest = z.strictObject({
  name: accountName,
  description: z.string().max(500).optional(),
});
/** An org member; `admin`: an org admin (every right in the org's registry namespace). */
export const member = z.object({ user: accountName, admin: z.boolean() });
/** A team member: teams have no admins of their own. */
export const teamMember = z.object({ user: accountName });
/** `PUT /api/v1/orgs/{org}/members/{user}`: no body adds a plain member (or keeps the flag of one). */
export const addOrgMemberRequest = z.strictObject({ admin: z.boolean().optional() });

export const role = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  builtin: z.boolean(),
  operations: z.array(z.string()),
});
/** The role's id is derived from its name (`Log Reader` -> `log-reader`). */
export const createRoleRequest = z.strictObject({
  name: z.string().min(1).max(100),
  description: z.string().max(500).optional(),
  operations: z.array(z.string()).min(1).max(500),
});

export const collection = z.object({ path: z.string(), builtin: z.boolean() });
export const createCollectionRequest = z.strictObject({ path: collectionPath });

export const subject = z.strictObject({
  kind: z.enum(['user', 'team', 'org']),
  id: z.string().min(1).max(130),
});
export const grant = z.object({
  id: z.string(),
  subject,
  roleId: z.string(),
  collection: z.string(),
  createdAt: z.string(),
});
export const createGrantRequest = z.strictObject({
  subject,
  roleId: z.string().min(1),
  collection: collectionPath,
});

export const tokenScope = z.enum(['all', 'registry']);
export const accessToken = z.object({
  id: z.string(),
  label: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
  /** `registry`: accepted only by the registry's token service (docker login), not by this API. */
  scope: tokenScope,
});
export const createAccessTokenRequest = z.strictObject({
  label: z.string().min(1).max(100),
  /** ISO 8601, in the future, at most a year ahead; absent: no expiry. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  scope: tokenScope.optional(),
});
export const createdAccessToken = accessToken.extend({ token: z.string() });

/** Registry repositories (DTR's model): `<namespace>/<name>`, the namespace a user or an org. */
const repositoryComponent = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
export const repositoryName = z
  .string()
  .max(255)
  .regex(
    new RegExp(`^${repositoryComponent}(?:/${repositoryComponent})*$`),
    'use lower-case letters and digits with separators (. _ __ -), components joined by "/"',
  );
export const repositoryAccess = z.enum(['read-only', 'read-write', 'admin']);
export const repositoryVisibility = z.enum(['public', 'private']);
export const repositoryAction = z.enum(['pull', 'push', 'delete']);
export const repository = z.object({
  namespace: accountName,
  /** The path after the namespace; may hold "/". */
  name: z.string(),
  /** `namespace/name`, as `docker pull <registry>/<path>` names it. */
  path: z.string(),
  visibility: repositoryVisibility,
  description: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  /** What the caller may do with it. */
  actions: z.array(repositoryAction),
});
export const createRepositoryRequest = z.strictObject({
  namespace: accountName,
  name: repositoryName,
  visibility: repositoryVisibility.optional(),
  description: z.string().max(1024).optional(),
});
export const updateRepositoryRequest = z.strictObject({
  visibility: repositoryVisibility.optional(),
  description: z.string().max(1024).optional(),
});
export const repositoriesQuery = z.strictObject({
  namespace: accountName.optional(),
  /** Substring of the path. */
  search: z.string().max(255).optional(),
  after: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
export const repositoryTag = z.object({
  tag: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  size: z.number(),
  pushedAt: z.string().optional(),
  pushedBy: z.string().optional(),
  platform: z.string().optional(),
});
export const teamAccess = z.object({ team: accountName, access: repositoryAccess });
export const putTeamAccessRequest = z.strictObject({ access: repositoryAccess });
export const repositoryNamespace = z.object({
  namespace: accountName,
  kind: z.enum(['user', 'org']),
  /** Whether members with read-write on the whole org may create repositories by pushing (always for a user's own). */
  createOnPush: z.boolean(),
  /** Team access on every repository of the namespace. */
  teams: z.array(teamAccess),
  canManage: z.boolean(),
});
export const updateRepositoryNamespaceRequest = z.strictObject({
  createOnPush: z.boolean().optional(),
  /** team → access; null removes the team's namespace-wide access. */
  teams: z.record(accountName, repositoryAccess.nullable()).optional(),
});

/** Service accounts (robot accounts for CI): per org, tokens only; they log in to the registry as `<org>+<name>`. */
export const serviceAccountRepository = z.strictObject({
  /** A repository path within the org (`app/web` for `acme/app/web`), or `*` for all of them. */
  name: z.union([z.literal('*'), repositoryName]),
  access: repositoryAccess,
});
export const serviceAccount = z.object({
  org: accountName,
  name: accountName,
  /** What `docker login` takes as the user name. */
  login: z.string(),
  description: z.string(),
  createdAt: z.string(),
  repositories: z.array(serviceAccountRepository),
});
export const createServiceAccountRequest = z.strictObject({
  name: accountName,
  description: z.string().max(1024).optional(),
  repositories: z.array(serviceAccountRepository).max(100).optional(),
});
export const updateServiceAccountRequest = z.strictObject({
  description: z.string().max(1024).optional(),
  repositories: z.array(serviceAccountRepository).max(100).optional(),
});
export const createServiceAccountTokenRequest = z.strictObject({
  label: z.string().min(1).max(100),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

/** A client bundle as listed: never the key, which exists only in the downloaded zip. */
export const clientBundle = z.object({
  id: z.string(),
  label: z.string(),
  /** hex SHA-256 of the certificate's public key (SPKI) */
  keyId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export const clientBundleQuery = z.strictObject({
  label: z.string().min(1).max(100).optional(),
  /** `bundle`: UCP's layout with env.sh; `context`: only what `docker context import` accepts. */
  format: z.enum(['bundle', 'context']).optional(),
});

export const auditEntry = z.object({
  id: z.string(),
  time: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  remoteAddress: z.string(),
  result: z.enum(['success', 'failure']),
  status: z.number(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export const auditQuery = z.strictObject({
  actor: z.string().optional(),
  action: z.string().optional(),
  result: z.enum(['success', 'failure']).optional(),
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
  after: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** Background jobs (packages/jobs): one record per job, with its attempts. */
export const jobState = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export const jobKind = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/, 'a job kind, e.g. registry.sweep-uploads');
export const jobAttempt = z.object({
  attempt: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** Which runner (host and process) ran it. */
  runner: z.string(),
  /** abandoned: its runner stopped answering and another took the job over; interrupted: its runner was shut down. */
  outcome: z.enum(['succeeded', 'failed', 'cancelled', 'abandoned', 'interrupted']).optional(),
  error: z.string().optional(),
});
export const job = z.object({
  kind: z.string(),
  id: z.string(),
  state: jobState,
  attempts: z.number(),
  maxAttempts: z.number(),
  lastError: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** When a queued job is due (its first run, or its next retry). */
  nextRunAt: z.string().optional(),
  /** Set when the job came from a schedule. */
  schedule: z.string().optional(),
  /** The last note the job gave while it ran. */
  progress: z.string().optional(),
  /** What the job answered when it succeeded (small JSON), e.g. how many uploads a sweep removed. */
  result: z.unknown().optional(),
  history: z.array(jobAttempt),
});
export const jobsQuery = z.strictObject({
  kind: jobKind.optional(),
  state: jobState.optional(),
  after: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
export const jobParams = z.strictObject({ id: z.string().min(1).max(128) });

export const pageQuery = z.strictObject({
  after: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    detail: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Run-time cluster settings (the configuration file gives their defaults). */
export const clusterSettings = z.strictObject({
  sessionLifetimeMinutes: z.number().int().min(5).max(525600),
  sessionRenewalThresholdMinutes: z.number().int().min(0).max(525600),
  maxSessionsPerUser: z.number().int().min(1).max(100),
  clientBundleLifetimeDays: z.number().int().min(1).max(3650),
});
export const clusterSettingsPatch = clusterSettings.partial();
export const registrySettings = z.strictObject({
  /** Anonymous clients may pull public repositories. Off by default. */
  anonymousPull: z.boolean(),
});
export const registrySettingsPatch = registrySettings.partial();
export const registryInfo = z.object({
  /** The host clients name the registry by; null when it listens on every interface (use this API's host). */
  host: z.string().nullable(),
  /** null when this controller runs without a registry. */
  port: z.number().int().nullable(),
  /** The token audience (`service=` in challenges). */
  service: z.string(),
});

/** Cluster membership (join tokens, nodes, agents). */
export const nodeRole = z.enum(['worker', 'manager']);
export const joinTokens = z.object({
  worker: z.string(),
  manager: z.string(),
  rotatedAt: z.string(),
  /** The manager URL a node joins through (this controller's address on the swarm); null when unknown. */
  managerUrl: z.string().nullable(),
});
export const rotateJoinTokensBody = z.strictObject({
  /** Which token to replace; both when absent. */
  role: nodeRole.optional(),
});
export const joinRequest = z.strictObject({
  token: z.string().min(1).max(200),
  /** PEM PKCS#10 request for the node's own P-256 key. */
  csr: z.string().min(1).max(8192),
  hostname: z.string().min(1).max(253),
  /** Where other nodes reach this node (its swarm advertise address). */
  address: z.string().max(64).optional(),
});
export const clusterNode = z.object({
  id: z.string(),
  role: nodeRole,
  hostname: z.string(),
  address: z.string().optional(),
  swarmNodeId: z.string().optional(),
  joinedAt: z.string(),
  lastSeenAt: z.string().optional(),
  certificateExpiresAt: z.string(),
  agentVersion: z.string().optional(),
});
export const joinAnswer = z.object({
  node: clusterNode,
  /** The node certificate (PEM) for the key of the request. */
  certificate: z.string(),
  caCertificate: z.string(),
  swarm: z.object({ joinToken: z.string(), managers: z.array(z.string()) }),
  registry: z.object({ host: z.string().nullable(), port: z.number().int() }).nullable(),
});
export const componentStatus = z.object({
  name: z.enum(['engine-proxy', 'controller', 'registry']),
  state: z.enum(['running', 'starting', 'stopped', 'waiting']),
  pid: z.number().int().optional(),
  restarts: z.number().int().min(0),
  since: z.string().max(40),
  lastError: z.string().max(500).optional(),
});
export const agentReport = z.strictObject({
  /** The node's id in the swarm, once its engine has joined. */
  swarmNodeId: z.string().min(1).max(64).optional(),
  agentVersion: z.string().min(1).max(64),
  /** The role the node's engine has in the swarm now (a promotion shows there first). */
  role: nodeRole.optional(),
  components: z.array(componentStatus).max(16).optional(),
});
export const agentAnswer = z.object({ node: clusterNode });
export const renewNodeCertificateBody = z.strictObject({ csr: z.string().min(1).max(8192) });
export const storeMemberHealth = z.object({
  name: z.string(),
  endpoint: z.string(),
  /** It answered the probe just now. */
  reachable: z.boolean(),
  /** The member a majority follows. */
  leader: z.boolean(),
  error: z.string().optional(),
});
export const clusterHealth = z.object({
  store: z.object({
    kind: z.enum(['memory', 'sqlite', 'etcd']),
    /** Writes can commit (etcd: a majority of members answer and follow one leader). */
    quorum: z.boolean(),
    leader: z.string().optional(),
    members: z.array(storeMemberHealth),
    message: z.string(),
  }),
  /** The controller that answered. */
  controller: z.object({ version: z.string() }),
});
export const nodeComponents = z.object({
  node: clusterNode,
  components: z.array(componentStatus),
  /** When the agent last reported; null when it never did. */
  reportedAt: z.string().nullable(),
  /** True when the last report is older than three report intervals (the agent may be down). */
  stale: z.boolean(),
});
