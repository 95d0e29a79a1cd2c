/**
 * The engines the Docker API proxy answers for (@stevedore/docker-proxy's cluster-link.ts): this
 * controller's own engine, and every member node whose agent serves its engine proxy, reached at
 * `https://<address>:12376` with mutual TLS. The controller dials with a certificate of its own from the
 * cluster CA (OU `controller`, one day, made again after 12 hours: the engine proxies take only short
 * certificates, so revocation is by expiry), and checks the node by the one name its certificate carries.
 *
 * Members are read from the node registry at most every 2 s; a node is a member while its agent
 * reported in the last 90 s with its engine proxy running. The manager's own node is always first; when
 * the registry cannot be read, it is the only one (the proxy then answers as for one engine).
 */
import { EngineClient } from '@stevedore/engine';
import { ENGINE_PROXY_PORT, nodeDnsName, type NodeRecord, type NodeRegistry } from '@stevedore/cluster';
import type { ClusterMember, ClusterMembers } from '@stevedore/docker-proxy';
import { issueCertificate, type KeyAndCertificate } from '@stevedore/pki';

const READ_EVERY_MS = 2_000;
const REPORTED_WITHIN_MS = 90_000;
const CERTIFICATE_RENEW_MS = 12 * 3600_000;
/**
 * A replaced client (a new certificate, a new address, a node removed) is closed this long after: its
 * calls under way (followed logs, attach) keep going until then; the old certificate lasts a day anyway.
 */
const RETIRE_AFTER_MS = 24 * 3600_000;

export interface ControllerClusterMembers extends ClusterMembers {
  close(): void;
}

export interface ClusterMembersOptions {
  readonly nodes: NodeRegistry;
  readonly clusterCa: KeyAndCertificate;
  /** This controller's engine: its `/info` names the swarm node it is. */
  readonly localEngine: EngineClient;
  readonly now?: () => number;
}

const hostOf = (address: string) => (address.includes(':') ? `[${address}]` : address);

export function clusterMembers(options: ClusterMembersOptions): ControllerClusterMembers {
  const now = options.now ?? Date.now;
  let certificate: { made: number; value: Promise<KeyAndCertificate> } | undefined;
  const clients = new Map<string, { key: string; client: EngineClient }>();
  const retiring = new Map<NodeJS.Timeout, EngineClient>();
  let localNode: Promise<{ id: string; name: string }> | undefined;
  let read: { at: number; members: Promise<readonly ClusterMember[]> } | undefined;

  const controllerCertificate = () => {
    if (!certificate || now() - certificate.made > CERTIFICATE_RENEW_MS) {
      const value = issueCertificate(options.clusterCa, {
        commonName: 'stevedore-controller',
        organizationalUnit: 'controller',
        usage: 'client',
        validityDays: 1,
      });
      certificate = { made: now(), value };
      value.catch(() => (certificate = undefined));
    }
    return certificate.value;
  };

  const ownNode = () => {
    localNode ??= options.localEngine.call('GET', '/info').then((answer) => {
      const info = JSON.parse(answer.body.toString('utf8')) as { Name?: string; Swarm?: { NodeID?: string } };
      return { id: info.Swarm?.NodeID ?? '', name: info.Name ?? 'manager' };
    });
    // Not in a swarm yet (or the engine did not answer): asked again next time.
    localNode.then((n) => n.id === '' && (localNode = undefined)).catch(() => (localNode = undefined));
    return localNode;
  };

  const clientOf = (node: NodeRecord & { address: string }, tls: KeyAndCertificate, serial: number) => {
    const key = `${node.address}|${serial}`;
    const kept = clients.get(node.id);
    if (kept?.key === key) return kept.client;
    if (kept) retire(kept.client);
    const client = new EngineClient(`https://${hostOf(node.address)}:${ENGINE_PROXY_PORT}`, {
      tls: {
        ca: options.clusterCa.certPem,
        cert: tls.certPem,
        key: tls.keyPem,
        servername: nodeDnsName(node.id),
      },
      timeoutMs: 15_000,
    });
    clients.set(node.id, { key, client });
    return client;
  };

  const retire = (client: EngineClient) => {
    const timer = setTimeout(() => {
      retiring.delete(timer);
      client.close();
    }, RETIRE_AFTER_MS);
    timer.unref();
    retiring.set(timer, client);
  };

  const isServing = (node: NodeRecord): node is NodeRecord & { address: string; swarmNodeId: string } =>
    node.address !== undefined &&
    node.swarmNodeId !== undefined &&
    node.lastSeenAt !== undefined &&
    now() - Date.parse(node.lastSeenAt) <= REPORTED_WITHIN_MS &&
    (node.components ?? []).some((c) => c.name === 'engine-proxy' && c.state === 'running');

  const readMembers = async (): Promise<readonly ClusterMember[]> => {
    const local = await ownNode().catch(() => ({ id: '', name: 'manager' }));
    if (local.id === '') return [];
    const members: ClusterMember[] = [{ id: local.id, name: local.name }];
    // The node registry unreadable (or the certificate not made): this manager's engine alone, as with one.
    const records = await options.nodes.list().catch(() => [] as NodeRecord[]);
    const own = records.find((node) => node.swarmNodeId === local.id);
    if (own)
      members[0] = { id: local.id, name: own.hostname, ...(own.address ? { address: own.address } : {}) };
    const serving = records.filter(isServing).filter((node) => node.swarmNodeId !== local.id);
    const tls = serving.length > 0 ? await controllerCertificate().catch(() => undefined) : undefined;
    if (tls) {
      const serial = certificate?.made ?? 0;
      for (const node of serving)
        members.push({
          id: node.swarmNodeId,
          name: node.hostname,
          address: node.address,
          client: clientOf(node, tls, serial),
        });
    }
    // A node that left the registry: its client is retired. (One that only missed reports keeps its
    // client, and its live streams, for when it is back.)
    const registered = new Set(records.map((node) => node.id));
    for (const [id, kept] of clients)
      if (!registered.has(id)) {
        clients.delete(id);
        retire(kept.client);
      }
    return members;
  };

  return {
    members() {
      if (!read || now() - read.at > READ_EVERY_MS) {
        const members = readMembers();
        read = { at: now(), members };
        members.catch(() => (read = undefined));
      }
      return read.members;
    },
    close() {
      for (const [timer, client] of retiring) {
        clearTimeout(timer);
        client.close();
      }
      retiring.clear();
      for (const { client } of clients.values()) client.close();
      clients.clear();
    },
  };
}
