/**
 * Service placement: a service may only run on nodes its creator may schedule on (`node.schedule` on the
 * node's collection). Swarm constraints are all ANDed, so "one of these nodes" cannot be written; instead
 * each node the caller may not use gets a `node.id!=<id>` constraint. Nodes that join later are not in the
 * list; the next update of the service adds them if they are out of bounds.
 */
import type { EngineLookups } from './engine-api.js';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';
import { collectionOf, labelsOf } from './labels.js';
import { forbidden } from './refusals.js';

type Json = Record<string, unknown>;

/** The constraints to add for this caller; throws a refusal when no node is allowed at all. */
export async function placementConstraints(
  engine: EngineLookups,
  access: ProxyAccess,
  caller: ProxyCaller,
): Promise<string[]> {
  if (caller.admin) return [];
  const nodes = (await engine.inspect<Json[]>('/nodes')) ?? [];
  const denied = nodes.filter(
    (node) => !decide(access, caller, 'node.schedule', collectionOf(labelsOf('node', node))).allowed,
  );
  if (nodes.length > 0 && denied.length === nodes.length) {
    throw forbidden(
      `${caller.name} may not schedule on any node: a service needs node.schedule (the Scheduler role, or Full Control) on a collection that holds a node`,
    );
  }
  return denied.map((node) => `node.id!=${String(node['ID'])}`);
}

/** Adds constraints to a service spec's placement, without repeating one already there. */
export function addConstraints(spec: Json, constraints: readonly string[]): void {
  if (constraints.length === 0) return;
  const task = (spec['TaskTemplate'] ??= {}) as Json;
  const placement = (task['Placement'] ??= {}) as Json;
  const existing = Array.isArray(placement['Constraints']) ? (placement['Constraints'] as string[]) : [];
  placement['Constraints'] = [...new Set([...existing, ...constraints])];
}
