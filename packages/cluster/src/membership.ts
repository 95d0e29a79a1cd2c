/**
 * Joining the cluster, the manager's side: a node presents a join token and a CSR; the token's CA digest
 * must be this cluster's and its secret one of the current two (which says the role); the node gets a
 * certificate for its own key saying its node id (CN), role (OU) and cluster (O), with the one name
 * `<node id>.node.stevedore.internal` (its agent serves its engine over mTLS with it; peers check that name). Every refusal happens before anything is
 * written, so a refused join leaves nothing behind.
 */
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { FailedPreconditionError, InvalidArgumentError, UnauthenticatedError } from '@stevedore/errors';
import { issueFromCsr, publicKeyIdOf, type KeyAndCertificate } from '@stevedore/pki';
import type { Store } from '@stevedore/store';
import { parseJoinToken, sameSecret, type NodeRole } from './join-token.js';
import { JoinTokenStore } from './join-tokens.js';
import { newNodeId, NodeRegistry, type NodeRecord } from './nodes.js';

export const NODE_CERTIFICATE_DAYS = 90;

/** Where a node's agent serves its engine to the controllers (UCP's ucp-proxy port). */
export const ENGINE_PROXY_PORT = 12376;

/** The one name in a node's certificate; whoever dials a node's agent checks it (servername). */
export function nodeDnsName(nodeId: string): string {
  return `${nodeId}.node.stevedore.internal`;
}
/** A node's name: a DNS name (what `docker node ls` shows, and the audit log names it by). */
export const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export interface JoinRequest {
  readonly token: string;
  readonly csrPem: string;
  readonly hostname: string;
  /** The address other nodes and the managers reach this node at. */
  readonly address?: string;
}

export interface Joined {
  readonly node: NodeRecord;
  readonly certificatePem: string;
}

export class ClusterMembership {
  readonly tokens: JoinTokenStore;
  readonly nodes: NodeRegistry;
  /** The cluster's name in node certificates (O): the start of the CA digest. */
  readonly clusterId: string;

  constructor(
    store: Store,
    private readonly ca: KeyAndCertificate,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.tokens = new JoinTokenStore(store, ca, now);
    this.nodes = new NodeRegistry(store);
    this.clusterId = `stevedore-${this.tokens.caDigest.slice(0, 16)}`;
  }

  /** The role a token grants; refused with the reason when it is another cluster's, or not current. */
  async roleOf(token: string): Promise<NodeRole> {
    const parsed = parseJoinToken(token);
    if (parsed.caDigest !== this.tokens.caDigest) {
      throw new FailedPreconditionError(
        `this join token is for another cluster: its root CA digest is ${parsed.caDigest.slice(0, 12)}…, this manager's is ${this.tokens.caDigest.slice(0, 12)}…; get a token from this cluster's Nodes page`,
      );
    }
    const secrets = await this.tokens.secrets();
    if (sameSecret(parsed.secret, secrets.manager)) return 'manager';
    if (sameSecret(parsed.secret, secrets.worker)) return 'worker';
    throw new UnauthenticatedError(
      'this join token is not valid any more (the tokens may have been rotated): get the current one from the Nodes page or GET /api/v1/cluster/join-tokens',
    );
  }

  async join(request: JoinRequest): Promise<Joined> {
    this.checkNames(request);
    return this.admit(await this.roleOf(request.token), request);
  }

  /**
   * Admits a node in `role` without a token: for the manager's own node, which `stevedore up` makes a
   * member of the cluster it starts (the caller holds the CA key anyway).
   */
  async admit(role: NodeRole, request: Omit<JoinRequest, 'token'>): Promise<Joined> {
    this.checkNames(request);
    const id = newNodeId();
    const issued = await this.issue(
      { id, role, hostname: request.hostname, ...(request.address ? { address: request.address } : {}) },
      request.csrPem,
    );
    const node: NodeRecord = {
      id,
      role,
      hostname: request.hostname,
      ...(request.address ? { address: request.address } : {}),
      ...issued.record,
      joinedAt: this.now().toISOString(),
    };
    await this.nodes.add(node);
    return { node, certificatePem: issued.certificatePem };
  }

  private checkNames(request: Pick<JoinRequest, 'hostname' | 'address'>): void {
    if (!HOSTNAME.test(request.hostname)) {
      throw new InvalidArgumentError(
        `hostname ${JSON.stringify(request.hostname)} is not a valid host name (letters, digits, hyphens and dots)`,
      );
    }
    if (request.address !== undefined && isIP(request.address) === 0) {
      throw new InvalidArgumentError(`address ${JSON.stringify(request.address)} is not an IP address`);
    }
  }

  /** A new certificate for a member's new key, saying what the old one said; the old one stops working. */
  async renew(nodeId: string, csrPem: string, role?: NodeRole): Promise<Joined> {
    const node = await this.nodes.get(nodeId);
    if (!node) throw new UnauthenticatedError('this node is not a member any more: join again');
    // The role the swarm gives the node now (a demoted manager renews as a worker), when the caller knows it.
    const current = { ...node, role: role ?? node.role };
    const issued = await this.issue(current, csrPem);
    return {
      node: await this.nodes.replaceCertificate(nodeId, { ...issued.record, role: current.role }),
      certificatePem: issued.certificatePem,
    };
  }

  private async issue(node: Pick<NodeRecord, 'id' | 'role' | 'hostname' | 'address'>, csrPem: string) {
    const certificatePem = await issueFromCsr(this.ca, csrPem, {
      commonName: node.id,
      organizationalUnit: node.role,
      organization: this.clusterId,
      // Not the host name or address the node gave: a certificate of the cluster CA for any name a node
      // asked for would let it pose as the controller or the registry. Peers check this name instead.
      sans: [nodeDnsName(node.id)],
      usage: 'server-and-client',
      validityDays: NODE_CERTIFICATE_DAYS,
      now: this.now(),
    });
    const cert = new X509Certificate(certificatePem);
    return {
      certificatePem,
      record: {
        keyId: publicKeyIdOf(certificatePem),
        serial: cert.serialNumber.toLowerCase(),
        notAfter: new Date(cert.validTo).toISOString(),
      },
    };
  }
}
