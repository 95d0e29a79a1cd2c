/**
 * Node records: who joined, in which role, with which certificate. In the Store:
 *
 *   /cluster/nodes/<id>           { id, role, hostname, address, keyId, serial, notAfter, joinedAt,
 *                                   swarmNodeId?, lastSeenAt?, agentVersion? }
 *   /cluster/node-keys/<keyId>    { nodeId }   the certificate's public key → its node
 *
 * A node's agent is known by its certificate's public key (`publicKeyIdOf`), looked up on every request, so
 * removing the record refuses the agent at its next call, on a connection kept alive too. Both records are
 * written and removed in one transaction.
 */
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, ConflictError, NotFoundError } from '@stevedore/errors';
import type { Store } from '@stevedore/store';
import { z } from 'zod';
import { NODE_ROLES } from './join-token.js';

const NODES = '/cluster/nodes/';
const NODE_KEYS = '/cluster/node-keys/';
/** How long the key a renewal replaced is still accepted. */
export const RENEWAL_GRACE_MS = 10 * 60_000;

const nodeSchema = z.object({
  id: z.string(),
  role: z.enum(NODE_ROLES as ['worker', 'manager']),
  hostname: z.string(),
  address: z.string().optional(),
  keyId: z.string(),
  serial: z.string(),
  notAfter: z.string(),
  joinedAt: z.string(),
  swarmNodeId: z.string().optional(),
  lastSeenAt: z.string().optional(),
  agentVersion: z.string().optional(),
  /** The key of the certificate this one replaced, still accepted until `previousUntil` (ISO): an answer to
   * a renewal lost on the way must not lock the node out. */
  previousKeyId: z.string().optional(),
  previousUntil: z.string().optional(),
  /** The components as the agent last reported them (see @stevedore/agent's ComponentStatus). */
  components: z
    .array(
      z.object({
        name: z.enum(['engine-proxy', 'controller', 'registry']),
        state: z.enum(['running', 'starting', 'stopped', 'waiting']),
        pid: z.number().optional(),
        restarts: z.number(),
        since: z.string(),
        lastError: z.string().optional(),
      }),
    )
    .optional(),
});
export type NodeRecord = z.infer<typeof nodeSchema>;

export function newNodeId(): string {
  return randomBytes(12).toString('hex');
}

function decode(value: string): NodeRecord | undefined {
  try {
    const parsed = nodeSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export class NodeRegistry {
  constructor(private readonly store: Store) {}

  /** Records a new node; a key that is some node's already is refused (one key, one node). */
  async add(node: NodeRecord): Promise<void> {
    const txn = await this.store.txn({
      compares: [{ key: NODE_KEYS + node.keyId, target: 'modRevision', equals: 0 }],
      success: [
        { type: 'put', key: NODES + node.id, value: JSON.stringify(node) },
        { type: 'put', key: NODE_KEYS + node.keyId, value: JSON.stringify({ nodeId: node.id }) },
      ],
      failure: [],
    });
    if (!txn.succeeded) {
      throw new AlreadyExistsError('this key is the key of a node already: make a new key for a new node');
    }
  }

  async get(id: string): Promise<NodeRecord | undefined> {
    const kv = await this.store.get(NODES + id);
    return kv ? decode(kv.value) : undefined;
  }

  /** The node whose certificate has this public key, while its record stands. */
  async byKeyId(keyId: string): Promise<NodeRecord | undefined> {
    const kv = await this.store.get(NODE_KEYS + keyId);
    if (!kv) return undefined;
    const { nodeId } = JSON.parse(kv.value) as { nodeId: string };
    const node = await this.get(nodeId);
    if (node?.keyId === keyId) return node;
    const inGrace =
      node?.previousKeyId === keyId &&
      node.previousUntil !== undefined &&
      Date.parse(node.previousUntil) > Date.now();
    return inGrace ? node : undefined;
  }

  async list(): Promise<NodeRecord[]> {
    const { kvs } = await this.store.range(NODES);
    return kvs.flatMap((kv) => decode(kv.value) ?? []);
  }

  async bySwarmNodeId(swarmNodeId: string): Promise<NodeRecord | undefined> {
    return (await this.list()).find((n) => n.swarmNodeId === swarmNodeId);
  }

  /**
   * Changes what the agent reports (swarm id, last seen, version, components); the identity fields stay.
   * Written only over the revision it read: a node removed meanwhile stays removed.
   */
  async update(
    id: string,
    patch: Partial<Pick<NodeRecord, 'swarmNodeId' | 'lastSeenAt' | 'agentVersion' | 'components'>>,
  ): Promise<NodeRecord> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const kv = await this.store.get(NODES + id);
      const node = kv ? decode(kv.value) : undefined;
      if (!kv || !node) throw new NotFoundError(`node ${id} is not a member of this cluster`);
      const next = { ...node, ...patch };
      const txn = await this.store.txn({
        compares: [{ key: NODES + id, target: 'modRevision', equals: kv.modRevision }],
        success: [{ type: 'put', key: NODES + id, value: JSON.stringify(next) }],
        failure: [],
      });
      if (txn.succeeded) return next;
    }
    throw new ConflictError(`node ${id} kept changing while it was updated; try again`);
  }

  /** Puts a renewed certificate in the record: the old key is refused from now on, the new one known. */
  async replaceCertificate(
    id: string,
    certificate: Pick<NodeRecord, 'keyId' | 'serial' | 'notAfter' | 'role'>,
    graceMs = RENEWAL_GRACE_MS,
  ): Promise<NodeRecord> {
    const kv = await this.store.get(NODES + id);
    const node = kv ? decode(kv.value) : undefined;
    if (!kv || !node) throw new NotFoundError(`node ${id} is not a member of this cluster`);
    const next: NodeRecord = {
      ...node,
      ...certificate,
      previousKeyId: node.keyId,
      previousUntil: new Date(Date.now() + graceMs).toISOString(),
    };
    const txn = await this.store.txn({
      compares: [
        { key: NODES + id, target: 'modRevision', equals: kv.modRevision },
        { key: NODE_KEYS + next.keyId, target: 'modRevision', equals: 0 },
      ],
      success: [
        // The key before the one replaced now goes; the one replaced stays for the grace period.
        ...(node.previousKeyId ? [{ type: 'delete' as const, key: NODE_KEYS + node.previousKeyId }] : []),
        { type: 'put', key: NODE_KEYS + next.keyId, value: JSON.stringify({ nodeId: id }) },
        { type: 'put', key: NODES + id, value: JSON.stringify(next) },
      ],
      failure: [],
    });
    if (!txn.succeeded) {
      throw new ConflictError(
        `node ${id} changed while its certificate was renewed, or the new key is in use; renew again`,
      );
    }
    return next;
  }

  /** Removes the node and revokes its certificate: its agent is refused from its next request on. */
  async remove(id: string): Promise<NodeRecord | undefined> {
    const node = await this.get(id);
    if (!node) return undefined;
    await this.store.txn({
      compares: [],
      success: [
        { type: 'delete', key: NODES + id },
        { type: 'delete', key: NODE_KEYS + node.keyId },
        ...(node.previousKeyId ? [{ type: 'delete' as const, key: NODE_KEYS + node.previousKeyId }] : []),
      ],
      failure: [],
    });
    return node;
  }
}
