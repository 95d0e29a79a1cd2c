/**
 * `stevedore up` is the first manager: its node becomes a manager member of the cluster it starts (admitted
 * by its own control plane, with a key made here) and runs the same agent every node runs, in this process,
 * with the same components as children. Its controller and registry still run in `up`'s own process.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { runAgent } from '@stevedore/agent';
import { caDigestOf, readNodeMembership, writeNodeMembership, type NodeMembership } from '@stevedore/cluster';
import type { ControlPlane } from '@stevedore/controller';
import type { EngineClient } from '@stevedore/engine';
import { FailedPreconditionError } from '@stevedore/errors';
import { createKeyAndCsr } from '@stevedore/pki';
import { VERSION } from '../version.js';
import { nodeComponentRunner } from './agent-runner.js';

export interface ManagerAgentOptions {
  readonly dataDir: string;
  readonly engine: EngineClient;
  readonly plane: ControlPlane;
  readonly registryPort: number | undefined;
  readonly engineProxyPort: number;
  readonly logger: Logger;
  readonly say: (line: string) => void;
}

/** The machine's host name as a DNS name (what a node is called in the cluster). */
function nodeName(): string {
  const name = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return name || 'manager';
}

async function membershipOf(options: ManagerAgentOptions): Promise<NodeMembership> {
  const { plane, engine, dataDir } = options;
  const caDigest = caDigestOf(plane.clusterCaPem);
  // The agent talks to the controller next to it.
  const manager = `https://127.0.0.1:${plane.port}`;
  const registry = options.registryPort !== undefined ? { host: null, port: options.registryPort } : null;
  const existing = await readNodeMembership(dataDir);
  if (existing) {
    if (existing.state.caDigest !== caDigest) {
      throw new FailedPreconditionError(
        `${dataDir}/node holds a membership of another cluster; move it away to start this one`,
      );
    }
    if (existing.state.manager === manager) return existing;
    const moved = { ...existing, state: { ...existing.state, manager, registry } };
    await writeNodeMembership(dataDir, moved);
    return moved;
  }
  const address = (await engine.info()).Swarm.NodeAddr;
  const { keyPem, csrPem } = await createKeyAndCsr(nodeName());
  const admitted = await plane.admitManagerNode({
    csrPem,
    hostname: nodeName(),
    ...(address ? { address } : {}),
  });
  const membership: NodeMembership = {
    state: {
      nodeId: admitted.node.id,
      role: 'manager',
      caDigest,
      manager,
      ...(address ? { address } : {}),
      registry,
    },
    keyPem,
    certPem: admitted.certificatePem,
    caPem: plane.clusterCaPem,
  };
  await writeNodeMembership(dataDir, membership);
  return membership;
}

/** Starts the node's agent; resolves to the function that stops it (and its components). */
export async function startManagerAgent(options: ManagerAgentOptions): Promise<() => Promise<void>> {
  const membership = await membershipOf(options);
  options.say(`this node: manager node ${membership.state.nodeId}; its agent runs the engine proxy`);
  const abort = new AbortController();
  const log = (line: string) => options.logger.info({ component: 'agent' }, line);
  const runner = nodeComponentRunner({
    dataDir: options.dataDir,
    dockerHost: options.engine.dockerHost,
    engineProxyPort: options.engineProxyPort,
    log,
  });
  const done = runAgent({
    dataDir: options.dataDir,
    engine: options.engine,
    runner,
    version: VERSION,
    log,
    signal: abort.signal,
  }).catch((err: unknown) => options.logger.error({ err }, 'the node agent stopped'));
  return async () => {
    abort.abort();
    await done;
  };
}
