/**
 * Standalone containers run on the engine the proxy talks to, so creating one is scheduling on that
 * engine's node: the caller needs `node.schedule` on the node's collection, as a service needs it on every
 * node it may run on. An engine outside Swarm mode has no node record: its containers count as running
 * in /System (administrators only), deny by default.
 */
import { collectionOf, labelsOf, UNLABELLED_COLLECTION } from './labels.js';
import type { EngineLookups } from './engine-api.js';

type Json = Record<string, unknown>;

/** The node id never changes while the engine is in the same swarm; it is asked once per engine link. */
const nodeIds = new WeakMap<EngineLookups, Promise<string>>();

export async function engineNode(engine: EngineLookups): Promise<{ id: string; collection: string }> {
  let id = nodeIds.get(engine);
  if (!id) {
    id = engine.inspect<{ Swarm?: { NodeID?: string } }>('/info').then((info) => info?.Swarm?.NodeID ?? '');
    nodeIds.set(engine, id);
    // A failed or empty answer (not in a swarm yet) is asked again next time.
    id.then((v) => v === '' && nodeIds.delete(engine)).catch(() => nodeIds.delete(engine));
  }
  const nodeId = await id;
  if (nodeId === '') return { id: '', collection: UNLABELLED_COLLECTION };
  const node = await engine.inspect<Json>(`/nodes/${encodeURIComponent(nodeId)}`);
  return { id: nodeId, collection: node ? collectionOf(labelsOf('node', node)) : UNLABELLED_COLLECTION };
}
