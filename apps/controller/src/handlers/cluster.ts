/**
 * Cluster membership over REST: the join tokens (administrators), the join itself (public: the token is the
 * credential, checked before anything is written), the node list, and the agents' reports (by node
 * certificate). The swarm join token a new node needs comes from this controller's engine, a manager.
 */
import { FailedPreconditionError } from '@stevedore/errors';
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

const hostOf = (address: string) => (address.includes(':') ? `[${address}]` : address);

export function clusterHandlers({
  membership,
  engine,
  clusterCaPem,
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
      return { body: await tokensWithUrl(localPort) };
    },
    joinCluster: async ({ body, audit }) => {
      audit.actor = `node:${body.hostname.slice(0, 64)}`;
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
      const updated = await membership.nodes.update(node.id, {
        ...(body.swarmNodeId !== undefined ? { swarmNodeId: body.swarmNodeId } : {}),
        agentVersion: body.agentVersion,
        lastSeenAt: new Date(now()).toISOString(),
      });
      return { body: { node: nodeOf(updated) } };
    },
    leaveCluster: async ({ node, audit }) => {
      audit.target = `node:${node.id}`;
      await membership.nodes.remove(node.id);
      return {};
    },
  };
}
