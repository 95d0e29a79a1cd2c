/**
 * Creates and updates: the body is decoded as the engine decodes it, says (or is given) the collection
 * the resource will be in, the caller must hold the operation there, every field must be allowed by its
 * policy (field-policy/), and the forwarded body is the proxy's own re-serialization of what it checked,
 * carrying the collection label (and, for services, the placement constraints).
 *
 * Moving a resource to another collection by changing its label is an update where it is and a create
 * where it goes.
 */
import type { CreatedType, UpdatedType } from './operations/index.js';
import type { Operation } from '@stevedore/authz';
import { serializeBody } from './canonical/index.js';
import { BODY_POLICIES, needsOf, type Need, type PolicedBody } from './field-policy/index.js';
import { COLLECTION_LABEL, withCollection, type Labels } from './labels.js';
import type { PlacedContainer } from './engine-api.js';
import { placeContainer } from './node-of-engine.js';
import { addConstraints, placementConstraints } from './placement.js';
import { decide } from './caller.js';
import { EngineRefusal } from './refusals.js';
import { labelMountVolumes, nameTaken } from './volumes.js';
import { requireOperation, type Plan, type PlanContext } from './plan-context.js';
import { Resolver, type Located } from './resolver.js';
import { enforceNeeds } from './workload-needs.js';
import { verifyMade, type PostCheck } from './post-check.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

const CREATE_OF: Record<UpdatedType, Operation> = {
  service: 'service.create',
  node: 'node.update',
  secret: 'secret.create',
  config: 'config.create',
};

const BODY_OF: Record<CreatedType | UpdatedType, PolicedBody> = {
  container: 'container.create',
  service: 'service.spec',
  network: 'network.create',
  volume: 'volume.create',
  secret: 'secret.spec',
  config: 'config.spec',
  node: 'node.spec',
};

function requestedCollection(ctx: PlanContext, labels: Labels): string | undefined {
  const value = labels?.[COLLECTION_LABEL];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !ctx.access.collectionExists(value)) {
    throw new EngineRefusal(
      400,
      `label ${COLLECTION_LABEL}=${String(value)} names no collection: use an existing collection path such as /Shared/dev, or leave the label out to use your default collection (${ctx.caller.defaultCollection})`,
    );
  }
  return value;
}

/**
 * Checks every field of a body in `collection`; labels and constrains workloads. Answers the placement
 * constraints added (services), which the post-check then expects in what was made, and the node a
 * container was placed on (a cluster's: the forwarded create goes there).
 */
async function checkBody(
  ctx: PlanContext,
  type: CreatedType | UpdatedType,
  body: Json,
  collection: string,
): Promise<{ constraints: string[]; node?: string }> {
  const needs = needsOf(BODY_POLICIES[BODY_OF[type]], body);
  // A container is placed first (in a cluster, on a node the caller may use): its images and volumes are
  // checked and made on that node's engine.
  let placed: PlacedContainer | undefined;
  if (type === 'container') {
    const mayUse = (c: string) => decide(ctx.access, ctx.caller, 'node.schedule', c).allowed;
    placed = await placeContainer(ctx.engine, body, mayUse);
    requireOperation(ctx, 'node.schedule', placed.collection, `running a container on this engine's node`);
  }
  // Its volumes are the placed node's: found and made there, never another node's of the same name.
  const onNode =
    placed && placed.lookups !== ctx.engine
      ? { ...ctx, engine: placed.lookups, resolver: new Resolver(placed.lookups) }
      : ctx;
  const checking = withImageChecksStarted(onNode, needs);
  await enforceNeeds(checking, needs, collection, { createVolumes: type === 'container' });
  if (type === 'container') labelMountVolumes(obj(body['HostConfig'])['Mounts'], collection);
  if (placed) return { constraints: [], ...(placed.node !== '' ? { node: placed.node } : {}) };
  if (type !== 'service') return { constraints: [] };
  const task = (body['TaskTemplate'] ??= {}) as Json;
  const container = (task['ContainerSpec'] ??= {}) as Json;
  container['Labels'] = withCollection(container['Labels'] as Labels, collection);
  labelMountVolumes(container['Mounts'], collection);
  const constraints = await placementConstraints(ctx.engine, ctx.access, ctx.caller);
  addConstraints(body, constraints);
  return { constraints };
}

/**
 * The image checks a body needs, started at once so that their lookups (the engine's image inspect, the
 * tag records) run beside the node's; each is still decided where enforceNeeds reaches it, so what is
 * refused, and in which order, is as if each had started there. They only read.
 */
function withImageChecksStarted(ctx: PlanContext, needs: readonly Need[]): PlanContext {
  const started = new Map<string, Promise<void>>();
  for (const need of needs) {
    if (need.kind !== 'image' || started.has(need.ref)) continue;
    const check = ctx.images.checkUse(ctx, need.ref);
    check.catch(() => undefined); // thrown where enforceNeeds awaits it
    started.set(need.ref, check);
  }
  if (started.size === 0) return ctx;
  const checkUse: PlanContext['images']['checkUse'] = (c, ref) =>
    started.get(ref) ?? ctx.images.checkUse(c, ref);
  return { ...ctx, images: { ...ctx.images, checkUse } };
}

/** The post-check of a non-administrator's create or update; nodes are only relabelled (no check). */
function verifier(
  ctx: PlanContext,
  type: CreatedType | UpdatedType,
  check: Omit<PostCheck, 'type' | 'kind'>,
): Pick<Plan, 'verify'> {
  if (ctx.caller.admin || type === 'node') return {};
  const full: PostCheck = { ...check, type, kind: BODY_OF[type] };
  return { verify: (answer) => verifyMade(ctx, full, answer) };
}

export async function planCreate(
  ctx: PlanContext,
  type: CreatedType,
  operation: Operation,
  url: string,
): Promise<Plan> {
  const body = await ctx.readBody(BODY_OF[type]);
  const collection = requestedCollection(ctx, body['Labels'] as Labels) ?? ctx.caller.defaultCollection;
  requireOperation(ctx, operation, collection);
  const { constraints, node } = await checkBody(ctx, type, body, collection);
  if (type === 'volume' && typeof body['Name'] === 'string' && body['Name'] !== '') {
    const existing = await ctx.resolver.locate('volume', body['Name']);
    if (existing && !decide(ctx.access, ctx.caller, 'volume.view', existing.collection).allowed)
      throw nameTaken(body['Name']);
  }
  body['Labels'] = withCollection(body['Labels'] as Labels, collection);
  const name =
    typeof body['Name'] === 'string'
      ? body['Name']
      : (new URL(url, 'http://e').searchParams.get('name') ?? '');
  return {
    action: operation,
    target: `${type}:${name}`,
    collection,
    url,
    body: serializeBody(body),
    answer: 'pass',
    ...(node !== undefined ? { node } : {}),
    ...verifier(ctx, type, { collection, planned: body, constraints }),
  };
}

export async function planUpdate(
  ctx: PlanContext,
  found: Located,
  operation: Operation,
  url: string,
): Promise<Plan> {
  const type = found.type as UpdatedType;
  const body = await ctx.readBody(BODY_OF[type]);
  const collection = requestedCollection(ctx, body['Labels'] as Labels) ?? found.collection;
  if (collection !== found.collection)
    requireOperation(ctx, CREATE_OF[type], collection, `moving ${type} ${found.id} to ${collection}`);
  const { constraints } = await checkBody(ctx, type, body, collection);
  // A node without a label stays unlabelled (its default collection depends on nothing we should pin).
  if (
    type !== 'node' ||
    obj(body['Labels'])[COLLECTION_LABEL] !== undefined ||
    collection !== found.collection
  )
    body['Labels'] = withCollection(body['Labels'] as Labels, collection);
  return {
    action: operation,
    target: `${type}:${found.id}`,
    collection,
    url,
    body: serializeBody(body),
    answer: 'pass',
    ...verifier(ctx, type, { id: found.id, collection, planned: body, constraints }),
  };
}
