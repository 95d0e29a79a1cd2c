/**
 * Joining a cluster, the node's side (`stevedore join`). Steps, each reported:
 *   1. read the manager's CA without trusting it, and check it against the token's digest: from here on
 *      the manager is reached only over TLS that chains to that CA;
 *   2. make a key on this node and send a CSR with the token: the manager answers the node certificate
 *      and its engine's swarm join token;
 *   3. join this engine to the swarm;
 *   4. make the engine trust the cluster CA for the platform registry (`certs.d`);
 *   5. report to the manager with the node certificate (the agent's protocol);
 *   6. a manager receives the cluster key over that mutual TLS (`<dataDir>/pki/cluster-key`, 0600), so the
 *      controller it will run opens the cluster's CAs from the Store (root-cas.ts).
 * State lives in `<dataDir>/node/` (mode 0700; the key 0600). Running it again is safe: a member whose
 * engine is in the swarm only checks and reports; a member whose engine left the swarm joins afresh; a
 * member of another cluster is refused. A refusal by the manager happens before anything is written, and
 * a swarm join that fails withdraws the node again, so nothing is left half-joined.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError } from '@stevedore/errors';
import type { EngineClient } from '@stevedore/engine';
import { trustRegistryCa } from '@stevedore/host';
import { clusterKeyPath, createKeyAndCsr, parseClusterKey, writeClusterKey } from '@stevedore/pki';
import { z } from 'zod';
import { caDigestOf, parseJoinToken, type NodeRole } from './join-token.js';
import { ManagerClient, managerUrlOf, readManagerCa } from './manager-client.js';

export interface NodeJoinOptions {
  readonly token: string;
  readonly manager: string;
  readonly dataDir: string;
  readonly engine: EngineClient;
  readonly hostname: string;
  /** The address others reach this node at; the one the manager sees it at when absent. */
  readonly advertiseAddr?: string;
  /** The engine's registry trust directory (/etc/docker/certs.d). */
  readonly registryCertsDir: string;
  readonly agentVersion: string;
  readonly progress: (line: string) => void;
}

export interface NodeJoined {
  readonly nodeId: string;
  readonly role: NodeRole;
  readonly swarmNodeId: string;
  /** False when this run found the node a member already. */
  readonly joinedNow: boolean;
}

const stateSchema = z.object({
  nodeId: z.string(),
  role: z.enum(['worker', 'manager']),
  caDigest: z.string(),
  manager: z.string(),
  address: z.string().optional(),
  registry: z.object({ host: z.string().nullable(), port: z.number() }).nullable(),
});
export type NodeState = z.infer<typeof stateSchema>;

interface JoinAnswer {
  node: { id: string; role: NodeRole; certificateExpiresAt: string };
  certificate: string;
  caCertificate: string;
  swarm: { joinToken: string; managers: string[] };
  registry: { host: string | null; port: number } | null;
}

const FILES = { state: 'node.json', key: 'node-key.pem', cert: 'node-cert.pem', ca: 'cluster-ca.pem' };

export function nodeStateDir(dataDir: string): string {
  return join(dataDir, 'node');
}

/** What a joined node keeps: its membership, its key and certificate, and the cluster CA. */
export interface NodeMembership {
  readonly state: NodeState;
  readonly keyPem: string;
  readonly certPem: string;
  readonly caPem: string;
}

/** The node's membership from its data dir, or undefined when it has not joined. */
export function readNodeMembership(dataDir: string): Promise<NodeMembership | undefined> {
  return readState(nodeStateDir(dataDir));
}

/** Writes a membership made elsewhere (`stevedore up` admits its own node) as `join` would have. */
export async function writeNodeMembership(dataDir: string, membership: NodeMembership): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeState(nodeStateDir(dataDir), {
    state: JSON.stringify(membership.state, null, 2),
    key: membership.keyPem,
    cert: membership.certPem,
    ca: membership.caPem,
  });
}

/** Puts a renewed certificate (and its new key) in place of the node's current ones. */
export async function replaceNodeCertificate(
  dataDir: string,
  keyPem: string,
  certPem: string,
): Promise<void> {
  const dir = nodeStateDir(dataDir);
  const current = await readState(dir);
  if (!current) throw new FailedPreconditionError(`${dir} holds no node membership; run stevedore join`);
  await writeState(dir, {
    state: JSON.stringify(current.state, null, 2),
    key: keyPem,
    cert: certPem,
    ca: current.caPem,
  });
}

async function readState(dir: string): Promise<NodeMembership | undefined> {
  let text = await readFile(join(dir, FILES.state), 'utf8').catch(() => undefined);
  if (text === undefined) {
    // A swap cut short by a crash (writeState): the previous state is aside.
    const aside = `${dir}.old`;
    text = await readFile(join(aside, FILES.state), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    dir = aside;
  }
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new FailedPreconditionError(
      `${join(dir, FILES.state)} is not a node state file; move it away and join again`,
    );
  }
  const [keyPem, certPem, caPem] = await Promise.all(
    [FILES.key, FILES.cert, FILES.ca].map((f) => readFile(join(dir, f), 'utf8')),
  );
  return { state: parsed.data, keyPem: keyPem!, certPem: certPem!, caPem: caPem! };
}

/** Written aside and renamed into place, so a crash never leaves half a state. */
async function writeState(dir: string, files: Record<keyof typeof FILES, string>): Promise<void> {
  const temp = `${dir}.${process.pid}.tmp`;
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp, { recursive: true, mode: 0o700 });
  for (const [name, value] of Object.entries(files) as [keyof typeof FILES, string][]) {
    await writeFile(join(temp, FILES[name]), value, { mode: 0o600 });
  }
  // The old state is moved aside, not deleted, until the new one is in place: a crash in between leaves
  // one of them (readState falls back to the one aside).
  const aside = `${dir}.old`;
  await rm(aside, { recursive: true, force: true });
  await rename(dir, aside).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rename(temp, dir);
  await rm(aside, { recursive: true, force: true });
}

export async function joinAsNode(options: NodeJoinOptions): Promise<NodeJoined> {
  const { progress, engine } = options;
  const token = parseJoinToken(options.token);
  const manager = managerUrlOf(options.manager);
  const dir = nodeStateDir(options.dataDir);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });

  const existing = await readState(dir);
  if (existing && existing.state.caDigest !== token.caDigest) {
    throw new FailedPreconditionError(
      `this node is a member of another cluster already (node ${existing.state.nodeId} of ${existing.state.manager}); to move it, leave that cluster first (docker swarm leave, then remove ${dir})`,
    );
  }
  const info = await engine.info();
  if (existing && info.Swarm.LocalNodeState === 'active') {
    progress(
      `member already: node ${existing.state.nodeId} (${existing.state.role}) of ${existing.state.manager}`,
    );
    progress(`Swarm: this engine is in the swarm as ${info.Swarm.NodeID}`);
    const client = new ManagerClient(new URL(existing.state.manager), existing.caPem, existing);
    await trust(options, existing.state.registry, new URL(existing.state.manager), existing.caPem);
    await report(client, info.Swarm.NodeID, options);
    await receiveClusterKey(client, existing.state.role, options);
    return {
      nodeId: existing.state.nodeId,
      role: existing.state.role,
      swarmNodeId: info.Swarm.NodeID,
      joinedNow: false,
    };
  }
  if (info.Swarm.LocalNodeState !== 'inactive') {
    throw new FailedPreconditionError(
      info.Swarm.LocalNodeState === 'active'
        ? `this engine is in a swarm already (node ${info.Swarm.NodeID}); run docker swarm leave on it first, or join it through that swarm's manager`
        : `the engine's Swarm state is "${info.Swarm.LocalNodeState}"; fix it (docker swarm leave --force) and run stevedore join again`,
    );
  }
  if (existing) {
    progress(
      `member already as node ${existing.state.nodeId}, but the engine left the swarm: joining afresh`,
    );
  }

  progress(`manager: reading its CA from ${manager.origin}/ca`);
  const { caPem, localAddress } = await readManagerCa(manager);
  const digest = caDigestOf(caPem);
  if (digest !== token.caDigest) {
    throw new FailedPreconditionError(
      `the manager at ${manager.origin} is not the cluster this token is for: its CA digest is ${digest.slice(0, 12)}…, the token's ${token.caDigest.slice(0, 12)}…; check the URL (or something is in the way)`,
    );
  }
  progress(
    `manager: its CA matches the token (SHA-256 ${digest.slice(0, 12)}…); trusting only that CA from now on`,
  );
  const address = options.advertiseAddr ?? localAddress;
  const { keyPem, csrPem } = await createKeyAndCsr(options.hostname);
  const answer = await new ManagerClient(manager, caPem).call<JoinAnswer>('POST', '/api/v1/cluster/join', {
    token: options.token,
    csr: csrPem,
    hostname: options.hostname,
    ...(address ? { address } : {}),
  });
  // Only now that the new membership stands does the old one go (a refused token changed nothing).
  if (existing) {
    await new ManagerClient(new URL(existing.state.manager), existing.caPem, existing)
      .call('DELETE', '/api/v1/cluster/agent/self')
      .then(
        () => progress(`withdrew the old membership (node ${existing.state.nodeId})`),
        () => undefined,
      );
  }
  const state: NodeState = {
    nodeId: answer.node.id,
    role: answer.node.role,
    caDigest: digest,
    manager: manager.origin,
    ...(address ? { address } : {}),
    registry: answer.registry,
  };
  await writeState(dir, {
    state: JSON.stringify(state, null, 2),
    key: keyPem,
    cert: answer.certificate,
    ca: caPem,
  });
  progress(
    `certificate: node ${answer.node.id}, role ${answer.node.role}, valid until ${answer.node.certificateExpiresAt.slice(0, 10)} (${join(dir, FILES.cert)})`,
  );
  const client = new ManagerClient(manager, caPem, { certPem: answer.certificate, keyPem });

  progress(
    `Swarm: joining through ${answer.swarm.managers.join(', ')}${address ? ` (advertising ${address})` : ''}`,
  );
  try {
    await engine.swarmJoin({
      remoteAddrs: answer.swarm.managers,
      joinToken: answer.swarm.joinToken,
      ...(address ? { advertiseAddr: address } : {}),
    });
  } catch (err) {
    // A join that timed out may still go on in the engine: leave, so the engine is not left in the swarm.
    const after = await engine.info().catch(() => undefined);
    if (after && after.Swarm.LocalNodeState !== 'inactive') {
      await engine
        .json('POST', '/swarm/leave', { query: { force: 'true' }, timeoutMs: 60_000 })
        .catch(() => undefined);
    }
    await client.call('DELETE', '/api/v1/cluster/agent/self').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    const reason = err instanceof Error ? err.message : String(err);
    throw new FailedPreconditionError(
      `the engine could not join the swarm (${reason}); the node was withdrawn again, so fix that and run stevedore join again`,
    );
  }
  const swarmNodeId = (await engine.info()).Swarm.NodeID;
  progress(`Swarm: this engine joined as ${swarmNodeId}`);
  await trust(options, answer.registry, manager, caPem);
  await report(client, swarmNodeId, options);
  await receiveClusterKey(client, answer.node.role, options);
  return { nodeId: answer.node.id, role: answer.node.role, swarmNodeId, joinedNow: true };
}

async function trust(
  options: NodeJoinOptions,
  registry: NodeState['registry'],
  manager: URL,
  caPem: string,
): Promise<void> {
  if (!registry) return;
  const host = registry.host ?? manager.hostname.replace(/^\[|\]$/g, '');
  const written = await trustRegistryCa({
    certsDir: options.registryCertsDir,
    hosts: [host],
    port: registry.port,
    caPem,
  });
  options.progress(
    written.length > 0
      ? `registry: the engine trusts the cluster CA for ${host}:${registry.port} (${written.join(', ')})`
      : `registry: the engine trusts the cluster CA for ${host}:${registry.port} already`,
  );
}

async function report(client: ManagerClient, swarmNodeId: string, options: NodeJoinOptions): Promise<void> {
  await client.call('POST', '/api/v1/cluster/agent/report', {
    swarmNodeId,
    agentVersion: options.agentVersion,
  });
  options.progress(`agent: the manager knows this node by its certificate (swarm node ${swarmNodeId})`);
}

/** A manager keeps the cluster key beside its controller's CAs; a key of another cluster there is refused. */
async function receiveClusterKey(
  client: ManagerClient,
  role: NodeRole,
  options: NodeJoinOptions,
): Promise<void> {
  if (role !== 'manager') return;
  const pkiDir = join(options.dataDir, 'pki');
  const answer = await client.call<{ clusterKey?: unknown }>('GET', '/api/v1/cluster/agent/cluster-key');
  const where = `the cluster key ${client.manager.origin} sent`;
  await writeClusterKey(
    pkiDir,
    parseClusterKey(typeof answer?.clusterKey === 'string' ? answer.clusterKey : '', where),
  );
  options.progress(`cluster key: received over mutual TLS, kept in ${clusterKeyPath(pkiDir)} (mode 0600)`);
}
