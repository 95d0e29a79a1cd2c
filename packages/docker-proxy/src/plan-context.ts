/**
 * What every planning step shares: the plan it produces, the context it runs in, and the two checks all
 * of them make — "may the caller see this resource" (else the engine's own 404, so existence never leaks)
 * and "does the caller hold this operation here" (else a 403 with the authorizer's explanation).
 *
 * A leaf module: plan.ts, plan-writes.ts and volumes.ts import it; it imports none of them.
 */
import type { Transform } from 'node:stream';
import type { Operation } from '@stevedore/authz';
import type { ListedType, ResourceType } from './operations/index.js';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';
import type { EngineAnswer, EngineLookups } from './engine-api.js';
import type { ImageOwners } from './image-owners.js';
import type { PolicedBody } from './field-policy/index.js';
import { forbidden } from './refusals.js';
import type { RedactedType } from './redaction.js';
import { locateVisible } from './visible-lookup.js';
import type { Located, Resolver } from './resolver.js';

/**
 * How the engine's answer goes back: as it is (`pass`), or rewritten (answer-rewrites.ts): lists filtered
 * (and redacted), `/version` with Stevedore, events filtered, an inspect `redact`ed for a caller without the
 * logs operation, a `name-conflict` 409 without an invisible container's id, and `info` / `disk-usage`
 * recomputed from what the caller may view.
 */
export type Answer =
  'pass' | 'list' | 'version' | 'events' | 'redact' | 'name-conflict' | 'info' | 'disk-usage' | 'image';

export interface Plan {
  /** For the audit log: what was asked, on what, where. */
  readonly action: string;
  readonly target: string;
  readonly collection?: string;
  /** Path and query to send to the engine (version prefix kept). */
  readonly url: string;
  /**
   * In a cluster: the swarm node the call goes to, the one that holds the resource checked (or where a new
   * container was placed). The link sends it there or nowhere (cluster-link.ts).
   */
  readonly node?: string;
  /** The body the engine gets: the proxy's own, never the client's bytes (JSON is re-serialized). */
  readonly body?: Buffer;
  /** Without `body`: the request's body is a stream the engine reads (build context, archive) and flows. */
  readonly stream?: boolean;
  readonly answer: Answer;
  readonly listType?: ListedType;
  /** For `redact`: the kind of resource inspected, whose env values (or exec command) are replaced. */
  readonly redact?: RedactedType;
  /**
   * Defense in depth (post-check.ts): given the engine's successful answer, reads back what was made and
   * throws (after removing it) when it breaks the policy. Set for non-administrators' creates and updates.
   */
  readonly verify?: (answer: unknown) => Promise<void>;
  /**
   * The engine's answer to this very call, read while planning: the call is the inspect the resolver made
   * to find the resource (same API version, no query), so it is answered with that instead of being sent
   * again (then redacted, for `redact`). What the caller gets is what was checked.
   */
  readonly answered?: EngineAnswer;
  /** For `image`: the successful JSON answer as the caller may see it (image names cut: image-access.ts). */
  readonly rewrite?: (answer: unknown) => Promise<unknown>;
  /**
   * Watches the request's streamed body on its way to the engine (a loaded archive's tags, image-archive.ts);
   * an error it raises cuts the request before the engine has it all, and is the answer.
   */
  readonly watchBody?: () => Transform;
  /**
   * Watches a successful streamed answer on its way to the caller (a build's or pull's progress): bytes pass
   * unchanged, and the answer ends only once what the watcher does at its end (recording tags) is done.
   */
  readonly watchAnswer?: (status: number) => Transform | undefined;
}

export interface PlanContext {
  readonly engine: EngineLookups;
  readonly resolver: Resolver;
  readonly access: ProxyAccess;
  readonly caller: ProxyCaller;
  /**
   * Reads the request's body and decodes it the way the engine would (canonical/): the planner checks,
   * rewrites and forwards this value, never the client's bytes.
   */
  readonly readBody: (kind: PolicedBody) => Promise<Record<string, unknown>>;
  readonly images: ImagePolicy;
  /** The API version `engine`'s lookups are pinned to (a caller's inspect at it may reuse a lookup). */
  readonly lookupVersion?: string;
}

/** Which local images a caller may run (image ownership); the planner asks it for every workload image. */
export interface ImagePolicy {
  /** Throws the engine's own "No such image" when a local image of `ref` is not the caller's to see. */
  checkUse(ctx: PlanContext, ref: string): Promise<void>;
  /** Who made each image tag (image-owners.ts). */
  readonly owners: ImageOwners;
}

const VIEW_OF: Record<ResourceType, Operation> = {
  container: 'container.view',
  exec: 'container.view',
  service: 'service.view',
  task: 'task.view',
  node: 'node.view',
  network: 'network.view',
  volume: 'volume.view',
  secret: 'secret.view',
  config: 'config.view',
};

export function viewOperationOf(type: ResourceType): Operation {
  return VIEW_OF[type];
}

/**
 * Finds a resource a body refers to, as the engine will resolve it, and checks the caller may see it;
 * anything else (invisible, ambiguous, unknown) is the engine's own 404 (visible-lookup.ts).
 */
export function visible(ctx: PlanContext, type: ResourceType, ref: string): Promise<Located> {
  return locateVisible(ctx, type, ref, false);
}

/**
 * Finds the resource a call acts on, which the planner then names by its full id: an invisible or
 * ambiguous match is resolved again among what the caller may view (visible-lookup.ts).
 */
export function visibleTarget(ctx: PlanContext, type: ResourceType, ref: string): Promise<Located> {
  return locateVisible(ctx, type, ref, true);
}

/** Refuses unless the caller holds `operation` on `collection`; the message is the authorizer's reason. */
export function requireOperation(
  ctx: PlanContext,
  operation: Operation,
  collection: string,
  rule?: string,
): void {
  const decision = decide(ctx.access, ctx.caller, operation, collection);
  if (!decision.allowed)
    throw forbidden(rule ? `${rule} is refused: ${decision.explanation}` : decision.explanation);
}
