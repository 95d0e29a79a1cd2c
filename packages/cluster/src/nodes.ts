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
import { NotFoundError } from '@stevedore/errors';
import type { Store } from '@stevedore/store';
import { z } from 'zod';
import { NODE_ROLES } from './join-token.js';

const NODES = '/cluster/nodes/';
const NODE_KEYS = '/cluster/node-keys/';

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

  async add(node: NodeRecord): Promise<void> {
    await this.store.txn({
      compares: [],
      success: [
        { type: 'put', key: NODES + node.id, value: JSON.stringify(node) },
        { type: 'put', key: NODE_KEYS + node.keyId, value: JSON.stringify({ nodeId: node.id }) },
      ],
      failure: [],
    });
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
    return node?.keyId === keyId ? node : undefined;
  }

  async list(): Promise<NodeRecord[]> {
    const { kvs } = await this.store.range(NODES);
    return kvs.flatMap((kv) => decode(kv.value) ?? []);
  }

  async bySwarmNodeId(swarmNodeId: string): Promise<NodeRecord | undefined> {
    return (await this.list()).find((n) => n.swarmNodeId === swarmNodeId);
  }

  /** Changes what the agent reports (swarm id, last seen, version); the identity fields stay. */
  async update(
    id: string,
    patch: Partial<Pick<NodeRecord, 'swarmNodeId' | 'lastSeenAt' | 'agentVersion' | 'role'>>,
  ): Promise<NodeRecord> {
    const node = await this.get(id);
    if (!node) throw new NotFoundError(`node ${id} is not a member of this cluster`);
    const next = { ...node, ...patch };
    await this.store.put(NODES + id, JSON.stringify(next));
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
      ],
      failure: [],
    });
    return node;
  }
}
