/**
 * Cluster membership over REST: the join tokens (administrators), the join itself (public: the token is the
 * credential, checked before anything is written), the node list, and the agents' reports (by node
 * certificate). The swarm join token a new node needs comes from this controller's engine, a manager.
 */
import {
  FailedPreconditionError,
  isNotFound,
  PermissionDeniedError,
  UnauthenticatedError,
} from '@stevedore/errors';
import type { EngineClient } from '@stevedore/engine';
import type { NodeRecord } from '@stevedore/cluster';
import type { Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';
import { notFound } from './visibility.js';

function nodeOf(n: NodeRecord) {
  return {
    id: n.id,
    role: n.role,
    hostname: n.hostname,
    ...(n.address !== undefined ? { address: n.address } : {}),
    ...(n.swarmNodeId !== undefined ? { swarmNodeId: n.swarmNodeId } : {}),
    joinedAt: n.joinedAt,
    ...(n.lastSeenAt !== undefined ? { lastSeenAt: n.lastSeenAt } : {}),
    certificateExpiresAt: n.notAfter,
    ...(n.agentVersion !== undefined ? { agentVersion: n.agentVersion } : {}),
  };
}

/** How often an unchanged report is written to the node record (its lastSeenAt). */
const REPORT_WRITE_MS = 30_000;
/** A node whose agent has not reported for this long is shown as stale. */
const STALE_MS = REPORT_WRITE_MS + 3 * 10_000;

/** Components compared by what a change of theirs means: state, pid, restarts. */
const componentsKey = (components: NodeRecord['components']) =>
  JSON.stringify((components ?? []).map((c) => [c.name, c.state, c.pid, c.restarts, c.lastError]));

const notAMember = () =>
  new UnauthenticatedError(
    'the cluster does not know this node any more (it was removed): leave the swarm on it (docker swarm leave), then stevedore join with a current token',
  );

/** Rotates the swarm's join token for `role` (both when absent) on the manager engine. */
async function rotateSwarmTokens(
  engine: EngineClient,
  role: 'worker' | 'manager' | undefined,
): Promise<void> {
  const { Version, Spec } = await engine.json<{ Version: { Index: number }; Spec: unknown }>('GET', '/swarm');
  const query = {
    version: Version.Index,
    ...(role !== 'manager' ? { rotateWorkerToken: 'true' } : {}),
    ...(role !== 'worker' ? { rotateManagerToken: 'true' } : {}),
  };
  await engine.json<void>('POST', '/swarm/update', { query, body: Spec });
}

const hostOf = (address: string) => (address.includes(':') ? `[${address}]` : address);

export function clusterHandlers({
  membership,
  engine,
  clusterCaPem,
  clusterKey,
  storeHealth,
  version,
  registryAddress,
  now,
}: Services): Pick<
  Handlers,
  | 'getJoinTokens'
  | 'rotateJoinTokens'
  | 'joinCluster'
  | 'listClusterNodes'
  | 'removeClusterNode'
  | 'agentReport'
  | 'leaveCluster'
  | 'renewNodeCertificate'
  | 'getClusterKey'
  | 'getClusterHealth'
  | 'nodeComponents'
> {
  /** The swarm this controller's engine manages: join tokens and manager addresses. */
  const swarm = async () => {
    if (!engine) {
      throw new FailedPreconditionError(
        'this controller manages no Docker Engine (it was started without --docker-host), so it cannot admit nodes',
      );
    }
    const info = await engine.info();
    if (info.Swarm.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable) {
      throw new FailedPreconditionError(
        "this controller's engine is not a swarm manager: run `stevedore up` on a manager node",
      );
    }
    const { JoinTokens } = await engine.swarm();
    const managers = (info.Swarm.RemoteManagers ?? []).map((m) => m.Addr);
    return { tokens: JoinTokens, managers, nodeAddr: info.Swarm.NodeAddr };
  };
  /** A node may name as its own only a swarm node that exists and that no other member named first. */
  const checkSwarmNodeClaim = async (nodeId: string, swarmNodeId: string) => {
    const other = await membership.nodes.bySwarmNodeId(swarmNodeId);
    if (other && other.id !== nodeId) {
      throw new FailedPreconditionError(`swarm node ${swarmNodeId} is another member's`);
    }
    if (!engine) return;
    // Exactly that id (the engine would also resolve a name or a prefix), and a node of this one's name.
    const found = await engine.inspect<{ ID: string; Description?: { Hostname?: string } }>(
      `/nodes/${encodeURIComponent(swarmNodeId)}`,
    );
    const record = await membership.nodes.get(nodeId);
    if (!found || found.ID !== swarmNodeId || found.Description?.Hostname !== record?.hostname) {
      throw new FailedPreconditionError(
        `the swarm has no node ${swarmNodeId} named ${record?.hostname ?? '?'}: report the id docker info shows on this node`,
      );
    }
  };
  const tokensWithUrl = async (localPort: number) => {
    const tokens = await membership.tokens.tokens();
    const nodeAddr = await swarm().then(
      (s) => s.nodeAddr,
      () => undefined,
    );
    return { ...tokens, managerUrl: nodeAddr ? `https://${hostOf(nodeAddr)}:${localPort}` : null };
  };

  return {
    getJoinTokens: async ({ localPort }) => ({ body: await tokensWithUrl(localPort) }),
    rotateJoinTokens: async ({ body, localPort, audit }) => {
      audit.target = `join-tokens:${body.role ?? 'worker,manager'}`;
      await membership.tokens.rotate(body.role ? [body.role] : undefined);
      // The swarm's own token for that role goes too: a node that got it with an old token cannot use it.
      if (engine) await rotateSwarmTokens(engine, body.role);
      return { body: await tokensWithUrl(localPort) };
    },
    joinCluster: async ({ body, audit }) => {
      // The name is the node's own claim: only a well-formed one goes into the audit log.
      audit.actor = /^[A-Za-z0-9.-]{1,64}$/.test(body.hostname)
        ? `node:${body.hostname}`
        : 'node:(invalid name)';
      // The token first: a caller without one learns nothing of this cluster's engine.
      const role = await membership.roleOf(body.token);
      const current = await swarm();
      const joined = await membership.join({
        token: body.token,
        csrPem: body.csr,
        hostname: body.hostname,
        ...(body.address !== undefined ? { address: body.address } : {}),
      });
      audit.target = `node:${joined.node.id}`;
      const registry = registryAddress();
      return {
        body: {
          node: nodeOf(joined.node),
          certificate: joined.certificatePem,
          caCertificate: clusterCaPem,
          swarm: {
            joinToken: role === 'manager' ? current.tokens.Manager : current.tokens.Worker,
            managers: current.managers,
          },
          registry: registry ? { host: registry.host, port: registry.port } : null,
        },
      };
    },
    listClusterNodes: async () => ({ body: { items: (await membership.nodes.list()).map(nodeOf) } }),
    removeClusterNode: async ({ params, audit }) => {
      audit.target = `node:${params.id}`;
      if (!(await membership.nodes.remove(params.id))) throw notFound(`node ${params.id}`);
      return {};
    },
    agentReport: async ({ node, body }) => {
      const current = await membership.nodes.get(node.id);
      if (!current) throw notAMember();
      if (body.swarmNodeId !== undefined && body.swarmNodeId !== current.swarmNodeId) {
        await checkSwarmNodeClaim(node.id, body.swarmNodeId);
      }
      const at = new Date(now());
      const changed =
        current.swarmNodeId !== (body.swarmNodeId ?? current.swarmNodeId) ||
        current.agentVersion !== body.agentVersion ||
        componentsKey(current.components) !== componentsKey(body.components ?? current.components);
      const lastSeen = current.lastSeenAt ? Date.parse(current.lastSeenAt) : 0;
      // Reports come every few seconds from every node: the record is written when something changed, or
      // to keep lastSeenAt within REPORT_WRITE_MS, not on every report.
      const updated =
        changed || at.getTime() - lastSeen >= REPORT_WRITE_MS
          ? await membership.nodes
              .update(node.id, {
                ...(body.swarmNodeId !== undefined ? { swarmNodeId: body.swarmNodeId } : {}),
                ...(body.components !== undefined ? { components: body.components } : {}),
                agentVersion: body.agentVersion,
                lastSeenAt: at.toISOString(),
              })
              .catch((err: unknown) => {
                throw isNotFound(err) ? notAMember() : err;
              })
          : current;
      return { body: { node: nodeOf(updated) } };
    },
    renewNodeCertificate: async ({ node, body, audit }) => {
      audit.target = `node:${node.id}`;
      // The role comes from the swarm: a node demoted there renews as a worker, promoted as a manager.
      const record = await membership.nodes.get(node.id);
      const swarmNode =
        engine && record?.swarmNodeId
          ? await engine.inspect<{ Spec: { Role: 'worker' | 'manager' } }>(
              `/nodes/${encodeURIComponent(record.swarmNodeId)}`,
            )
          : undefined;
      const renewed = await membership.renew(node.id, body.csr, swarmNode?.Spec.Role);
      return { body: { certificate: renewed.certificatePem } };
    },
    getClusterHealth: async () => {
      const { kind, quorum, leader, members, message } = await storeHealth();
      return {
        body: {
          store: {
            kind,
            quorum,
            ...(leader !== undefined ? { leader } : {}),
            members: [...members],
            message,
          },
          controller: { version },
        },
      };
    },
    getClusterKey: async ({ node, audit }) => {
      audit.target = `node:${node.id}`;
      // A manager in the record and in the swarm now: a node demoted there, or one that never named its
      // swarm node, gets nothing (its certificate's role may be older than the demotion).
      const record = await membership.nodes.get(node.id);
      if (!record) throw notAMember();
      const swarmNode =
        engine && record.swarmNodeId
          ? await engine.inspect<{ Spec: { Role: 'worker' | 'manager' } }>(
              `/nodes/${encodeURIComponent(record.swarmNodeId)}`,
            )
          : undefined;
      if (record.role !== 'manager' || swarmNode?.Spec.Role !== 'manager') {
        throw new PermissionDeniedError(
          'only a manager node receives the cluster key: promote the node (docker node promote), then ask again',
        );
      }
      return {
        body: { clusterKey: clusterKey.toString('base64') },
        headers: { 'cache-control': 'no-store' },
      };
    },
    nodeComponents: async ({ params }) => {
      const nodes = await membership.nodes.list();
      const found = nodes.find((n) => n.id === params.id || n.swarmNodeId === params.id);
      if (!found) throw notFound(`node ${params.id}`);
      const reportedAt = found.lastSeenAt ?? null;
      return {
        body: {
          node: nodeOf(found),
          components: found.components ?? [],
          reportedAt,
          stale: reportedAt === null || now() - Date.parse(reportedAt) > STALE_MS,
        },
      };
    },
    leaveCluster: async ({ node, audit }) => {
      audit.target = `node:${node.id}`;
      await membership.nodes.remove(node.id);
      return {};
    },
  };
}
