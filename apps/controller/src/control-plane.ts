/**
 * Composition of the control plane over an open Store: the access model (kept live from the Store), the
 * identity and access services, the audit log, the PKI, the first administrator, and the HTTPS server.
 * `stevedore up` calls this after it has made sure of the engine and opened the Store; API tests call it
 * directly with a memory, SQLite or etcd store.
 */
import { randomBytes } from 'node:crypto';
import { ClusterMembership, type Joined } from '@stevedore/cluster';
import { EngineClient } from '@stevedore/engine';
import type { Logger } from 'pino';
import { createAccess, startAccessModelSync } from '@stevedore/access';
import { AuditBatcher, AuditLog } from '@stevedore/audit';
import { createDockerProxy, type DockerProxy } from '@stevedore/docker-proxy';
import { combineHooks, createIdentity, type IdentitySettingsInput } from '@stevedore/identity';
import { createRepositories, storeRepositoryContent } from '@stevedore/repositories';
import { Jobs } from '@stevedore/jobs';
import type { Store } from '@stevedore/store';
import { startCertificateRenewal } from './certificate-renewal.js';
import { openClusterPki } from './cluster-pki.js';
import { clusterMembers } from './docker/cluster-members.js';
import { scheduleJobPruning } from './job-pruning.js';
import { createDockerGate } from './docker/docker-gate.js';
import { createStoreImageOwners } from './docker/image-owners.js';
import { buildHandlers } from './handlers/index.js';
import { nodeOfConnection } from './node-auth.js';
import { ServerCertificates } from './server-certificate.js';
import { startControllerServer } from './server.js';
import {
  createRegistryAuthService,
  REGISTRY_SERVICE,
  subjectOfToken,
  TOKEN_ISSUER,
} from './registry-token/registry-auth-service.js';
import { registerTokenService } from './registry-token/token-service.js';
import { followTokenSigners } from '@stevedore/registry-auth';
import type { RepositoryAuthorizer, RegistrySubject } from '@stevedore/repositories';
import type { KeyAndCertificate } from '@stevedore/pki';

export interface ControlPlaneOptions {
  readonly store: Store;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly sans?: readonly string[];
  readonly logger: Logger;
  readonly version: string;
  /** Password for the first administrator; generated (and returned once) when absent. */
  readonly adminPassword?: string;
  /** The swarm manager's engine that the Docker API proxy forwards to; absent, the proxy is off. */
  readonly dockerHost?: string;
  /** Identity settings (session lifetime, throttling, KDF cost); tests lower the KDF cost. */
  readonly identity?: IdentitySettingsInput;
  /** Validity of the certificate in a downloaded client bundle; 90 days when absent. */
  readonly clientBundleLifetimeDays?: number;
  /**
   * The process's jobs (kinds, schedules, runner), shared with a registry in the same process; absent,
   * the control plane runs its own runner on the Store.
   */
  readonly jobs?: Jobs;
  /** How often the cluster checks whether the server certificate is due for renewal; default 3600 s. */
  readonly certificateCheckSeconds?: number;
}

/** What a registry of this cluster needs to verify the control plane's tokens. */
export interface RegistryTokenAuth {
  readonly issuer: string;
  readonly service: string;
  /** The token signing certificates (PEM) to trust now, followed in the Store. */
  keys(): readonly string[];
  readonly authorizer: RepositoryAuthorizer;
  /** Who a token's `sub` names. */
  subjectOf(sub: string): RegistrySubject;
}

export interface ControlPlane {
  readonly url: string;
  readonly port: number;
  /** The registry token service's verification side. */
  readonly registryAuth: RegistryTokenAuth;
  /** The server certificate the controllers serve now (a registry on the same node serves it too). */
  serverTls(): KeyAndCertificate;
  /** Called with each renewed server certificate; returns a function that stops the calls. */
  onServerTls(listener: (tls: KeyAndCertificate) => void): () => void;
  /** Where the registry next to this controller listens (`host` null: every interface). */
  setRegistryAddress(address: { readonly host: string | null; readonly port: number }): void;
  /** Makes this controller's own node a manager member (`stevedore up`: the first manager); its key is the caller's. */
  admitManagerNode(request: { csrPem: string; hostname: string; address?: string }): Promise<Joined>;
  /** The names the server certificate covers for this node. */
  readonly serverNames: readonly string[];
  readonly clusterCaPem: string;
  readonly clusterCaFingerprint: string;
  /** Set only on the start that created the first administrator. */
  readonly firstAdmin?: { readonly username: string; readonly password: string; readonly generated: boolean };
  close(): Promise<void>;
}

export const FIRST_ADMIN = 'admin';

/** Removes the member whose engine was this swarm node; answers its node id, if there was one. */
async function revokeSwarmNode(
  membership: ClusterMembership,
  swarmNodeId: string,
): Promise<string | undefined> {
  const node = await membership.nodes.bySwarmNodeId(swarmNodeId);
  if (!node) return undefined;
  await membership.nodes.remove(node.id);
  return node.id;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { store, logger } = options;
  const sync = await startAccessModelSync(store, {
    onError: (err: unknown) => logger.warn({ err }, 'access model sync restarted'),
  });
  // Stopped in reverse order on close, or when start fails part-way.
  const closers: (() => Promise<void>)[] = [() => sync.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const afterWrite = (revision: number) => sync.waitForRevision(revision);
    const access = createAccess(store, { afterWrite });
    // Registry repositories: their hooks refuse removing an account that owns repositories.
    const repositoryContent = storeRepositoryContent(store);
    // Deleting a repository removes what the registry holds for it first (its blobs wait for GC).
    const repositories = createRepositories(store, {
      removeContent: (path) => repositoryContent.removeRepository(path),
    });
    const identity = createIdentity(store, {
      ...options.identity,
      hooks: combineHooks(access.identityHooks, repositories.identityHooks),
      afterWrite,
      ...(options.clientBundleLifetimeDays !== undefined
        ? { clientBundleLifetimeDays: options.clientBundleLifetimeDays }
        : {}),
    });
    await identity.clusterSettings.start();
    closers.push(() => identity.clusterSettings.close());
    const audit = new AuditLog(store);

    let firstAdmin: ControlPlane['firstAdmin'];
    if ((await identity.users.list({ limit: 1 })).items.length === 0) {
      const generated = options.adminPassword === undefined;
      const password = options.adminPassword ?? randomBytes(18).toString('base64url');
      await identity.users.create({ name: FIRST_ADMIN, password, admin: true, fullName: 'Administrator' });
      firstAdmin = { username: FIRST_ADMIN, password, generated };
      logger.info({ user: FIRST_ADMIN }, 'created the first administrator');
    }

    const pki = await openClusterPki({
      store,
      dataDir: options.dataDir,
      listenHost: options.host,
      sans: options.sans ?? [],
    });
    const jobs =
      options.jobs ?? new Jobs(store, { onError: (err: unknown) => logger.warn({ err }, 'job failed') });
    if (!options.jobs) closers.push(() => jobs.close());
    const certificates = new ServerCertificates({
      store,
      clusterCa: pki.clusterCa,
      issue: (names) => pki.issueServerCertificate(names),
    });
    const membership = new ClusterMembership(store, pki.clusterCa);
    let proxy: DockerProxy | undefined;
    if (options.dockerHost !== undefined) {
      // The proxy answers for every member's engine, reached through their agents (cluster-members.ts).
      const localEngine = new EngineClient(options.dockerHost);
      const members = clusterMembers({ nodes: membership.nodes, clusterCa: pki.clusterCa, localEngine });
      closers.push(() => {
        members.close();
        localEngine.close();
        return Promise.resolve();
      });
      const created = createDockerProxy({
        dockerHost: options.dockerHost,
        cluster: members,
        access: {
          authorize: (request) => sync.authorize(request),
          collectionExists: (path) => sync.model.collections.has(path),
          // The model shows one whole revision at a time: decisions may be kept until it moves.
          revision: () => sync.revision,
        },
        audit: new AuditBatcher(store, {
          onError: (err: unknown) => logger.error({ err }, 'could not write Docker API audit entries'),
        }),
        version: options.version,
        log: logger,
        // Who made each image tag on the engine: in the Store, shared by every controller.
        imageOwners: createStoreImageOwners(store),
        // `docker node rm` removes the node from the swarm; its Stevedore membership (and certificate) goes too.
        onCompleted: (call) => {
          const swarmNodeId = /^node:(.+)$/.exec(call.target)?.[1];
          if (call.action !== 'node.remove' || call.status >= 300 || !swarmNodeId) return;
          void revokeSwarmNode(membership, swarmNodeId).then(
            (id) =>
              id &&
              logger.info({ node: id, swarmNodeId }, 'node removed from the swarm: certificate revoked'),
            (err: unknown) => logger.error({ err, swarmNodeId }, 'could not revoke a removed node'),
          );
        },
      });
      proxy = created;
      closers.push(() => created.close());
    }
    // The registry token service: its audit entries are batched, as a busy registry asks for many tokens.
    const tokenAudit = new AuditBatcher(store, {
      onError: (err: unknown) => logger.error({ err }, 'could not write registry token audit entries'),
    });
    closers.push(() => tokenAudit.flush());
    const registryAuth = await createRegistryAuthService({
      store,
      identity,
      clusterCa: pki.clusterCa,
      audit: tokenAudit,
    });
    const signers = followTokenSigners(store, {
      onError: (err: unknown) => logger.warn({ err }, 'following the token signers restarted'),
    });
    closers.push(() => signers.close());
    await signers.ready;
    const engine = options.dockerHost !== undefined ? new EngineClient(options.dockerHost) : undefined;
    if (engine) closers.push(() => Promise.resolve(engine.close()));
    let tls = await certificates.ensure(pki.serverNames);
    let registryAddress: { host: string | null; port: number } | undefined;
    const tlsListeners = new Set<(next: KeyAndCertificate) => void>();
    const server = await startControllerServer({
      host: options.host,
      port: options.port,
      tls,
      extraRoutes: (app) =>
        registerTokenService(app, { ...registryAuth.tokenService, certificates: () => signers.current() }),
      clientCaPem: pki.clientCa.certPem,
      clusterCaPem: pki.clusterCa.certPem,
      authenticateNode: (socket) => nodeOfConnection(socket, pki.clusterCa.certPem, membership),
      ...(proxy
        ? { dockerGate: createDockerGate({ proxy, identity, sync, clientCaPem: pki.clientCa.certPem }) }
        : {}),
      handlers: buildHandlers({
        jobs,
        repositories,
        repositoryContent,
        identity,
        access,
        sync,
        audit,
        clusterCaPem: pki.clusterCa.certPem,
        clusterKey: pki.clusterKey,
        storeHealth: () => store.health(),
        clientCa: pki.clientCa,
        now: Date.now,
        version: options.version,
        registryAddress: () => registryAddress,
        registryService: REGISTRY_SERVICE,
        membership,
        engine,
      }),
      authenticate: async (token) => {
        const { user } = await identity.authenticate(token);
        return { name: user.name, admin: user.admin, token };
      },
      audit,
      logger,
    });
    closers.push(() => server.close());
    closers.push(
      await startCertificateRenewal({
        store,
        jobs,
        certificates,
        serve: (next) => {
          tls = next;
          server.setCertificate(next);
          for (const listener of tlsListeners) listener(next);
        },
        everySeconds: options.certificateCheckSeconds ?? 3600,
        logger,
      }),
    );
    closers.push(scheduleJobPruning(jobs));
    if (!options.jobs) {
      const runner = jobs.startRunner();
      closers.push(() => runner.close());
    }
    return {
      url: server.url,
      port: server.port,
      registryAuth: {
        issuer: TOKEN_ISSUER,
        service: REGISTRY_SERVICE,
        keys: () => signers.current(),
        authorizer: registryAuth.authorizer,
        subjectOf: subjectOfToken,
      },
      serverTls: () => tls,
      setRegistryAddress: (address) => {
        registryAddress = address;
      },
      onServerTls: (listener) => {
        tlsListeners.add(listener);
        return () => tlsListeners.delete(listener);
      },
      admitManagerNode: (request) => membership.admit('manager', request),
      serverNames: pki.serverNames,
      clusterCaPem: pki.clusterCa.certPem,
      clusterCaFingerprint: pki.clusterCaFingerprint,
      ...(firstAdmin ? { firstAdmin } : {}),
      close: async () => {
        // Live Docker API calls (attach, exec, followed logs) first: the server waits for its connections.
        await proxy?.close();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
