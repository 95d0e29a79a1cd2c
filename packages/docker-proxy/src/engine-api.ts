/**
 * The engine as the planner sees it: buffered calls and inspects at the pinned API version. The planner,
 * the resolver and placement depend on this interface only, so they run in-process against a small fake
 * in tests (plan.test.ts); `EngineLink` is the real one, over the engine's socket.
 */
import type { IncomingMessage } from 'node:http';

export interface EngineAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** In a cluster (cluster-link.ts): the swarm node whose engine answered a lookup of a held resource. */
  readonly node?: string;
}

/** Where a new container goes: the swarm node (empty outside Swarm mode), its collection, its engine. */
export interface PlacedContainer {
  readonly node: string;
  readonly collection: string;
  /** Lookups on the engine the container goes to (its image and volume checks are made there). */
  readonly lookups: EngineLookups;
}

export interface EngineLookups {
  /** One buffered call; `path` has no version prefix (the link pins it). */
  call(method: string, path: string, body?: unknown): Promise<EngineAnswer>;
  /** GET returning parsed JSON, or undefined on 404; other failures throw. */
  inspect<T>(path: string): Promise<T | undefined>;
  /**
   * A cluster's link only (cluster-link.ts): the node a new container goes to, among those `mayUse`
   * allows (by their collections). Without it, containers run on the one engine (node-of-engine.ts).
   */
  placeContainer?(
    body: Record<string, unknown>,
    mayUse: (collection: string) => boolean,
  ): Promise<PlacedContainer>;
}
