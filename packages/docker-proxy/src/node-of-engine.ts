/**
 * Standalone containers run on the engine the proxy talks to (or, in a cluster, the node placement chose:
 * cluster-placement.ts), so creating one is scheduling on that node: the caller needs `node.schedule` on
 * the node's collection, as a service needs it on every node it may run on. An engine outside Swarm mode
 * has no node record: its containers count as running in /System (administrators only), deny by default.
 */
import { collectionOf, labelsOf, UNLABELLED_COLLECTION } from './labels.js';
import type { EngineLookups, PlacedContainer } from './engine-api.js';

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
  return await nodeRecord(engine, await id);
}

async function nodeRecord(
  engine: EngineLookups,
  nodeId: string,
): Promise<{ id: string; collection: string }> {
  if (nodeId === '') return { id: '', collection: UNLABELLED_COLLECTION };
  const node = await engine.inspect<Json>(`/nodes/${encodeURIComponent(nodeId)}`);
  return { id: nodeId, collection: node ? collectionOf(labelsOf('node', node)) : UNLABELLED_COLLECTION };
}

/** A new container on this engine's node (one engine: placement has no choice to make). */
export async function placeOnEngine(engine: EngineLookups): Promise<PlacedContainer> {
  const node = await engineNode(engine);
  return { node: node.id, collection: node.collection, lookups: engine };
}

/** Where a new container goes: placed by a cluster's link, or on the one engine's node. */
export async function placeContainer(
  engine: EngineLookups,
  body: Record<string, unknown>,
  mayUse: (collection: string) => boolean,
): Promise<PlacedContainer> {
  return engine.placeContainer ? await engine.placeContainer(body, mayUse) : await placeOnEngine(engine);
}

/** The node a container runs on: the one a cluster's link found it on, else this engine's. */
export async function nodeOfContainer(
  engine: EngineLookups,
  container: { readonly node?: string },
): Promise<{ id: string; collection: string }> {
  return container.node !== undefined ? await nodeRecord(engine, container.node) : await engineNode(engine);
}
