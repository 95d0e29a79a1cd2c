/**
 * Creates and updates: the body says (or is given) the collection the resource will be in, the caller
 * must hold the operation there, what the workload asks for beyond a plain create must be allowed too,
 * and the forwarded body carries the collection label (and, for services, the placement constraints).
 *
 * Moving a resource to another collection by changing its label is an update where it is and a create
 * where it goes.
 */
import type { CreatedType, UpdatedType } from '@stevedore/engine';
import type { Operation } from '@stevedore/authz';
import { COLLECTION_LABEL, withCollection, type Labels } from './labels.js';
import { addConstraints, placementConstraints } from './placement.js';
import { decide } from './caller.js';
import { EngineRefusal } from './refusals.js';
import { labelMountVolumes, nameTaken, useOrCreateVolume } from './volumes.js';
import { require, visible, type Plan, type PlanContext } from './plan.js';
import type { Located } from './resolver.js';
import {
  containerCreateNeeds,
  networkOrVolumeCreateNeeds,
  serviceSpecNeeds,
  type ReferenceNeed,
} from './workload-policy.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

const CREATE_OF: Record<UpdatedType, Operation> = {
  service: 'service.create',
  node: 'node.update',
  secret: 'secret.create',
  config: 'config.create',
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

const USE_OF: Record<ReferenceNeed['type'], Operation> = {
  network: 'network.connect',
  volume: 'volume.use',
  secret: 'secret.use',
  config: 'config.use',
  container: 'container.archive',
};

/** Checks a workload spec's extra needs and references in `collection`; labels and constrains it. */
async function checkWorkload(
  ctx: PlanContext,
  type: 'container' | 'service',
  body: Json,
  collection: string,
) {
  const needs = type === 'container' ? containerCreateNeeds(body) : serviceSpecNeeds(body);
  for (const need of needs.capabilities) require(ctx, need.operation, collection, need.rule);
  for (const ref of needs.refs) {
    if (ref.type === 'volume') {
      await useOrCreateVolume(ctx, ref.ref, collection, type === 'container');
      continue;
    }
    const found = await visible(ctx, ref.type, ref.ref);
    require(ctx, USE_OF[ref.type], found.collection, `using ${ref.type} ${ref.ref}`);
  }
  if (type === 'container') {
    labelMountVolumes(obj(body['HostConfig'])['Mounts'], collection);
    return;
  }
  const task = (body['TaskTemplate'] ??= {}) as Json;
  const container = (task['ContainerSpec'] ??= {}) as Json;
  container['Labels'] = withCollection(container['Labels'] as Labels, collection);
  labelMountVolumes(container['Mounts'], collection);
  addConstraints(body, await placementConstraints(ctx.engine, ctx.access, ctx.caller));
}

export async function planCreate(
  ctx: PlanContext,
  type: CreatedType,
  operation: Operation,
  url: string,
): Promise<Plan> {
  const body = await ctx.readJson();
  const collection = requestedCollection(ctx, body['Labels'] as Labels) ?? ctx.caller.defaultCollection;
  require(ctx, operation, collection);
  if (type === 'container' || type === 'service') await checkWorkload(ctx, type, body, collection);
  if (type === 'network' || type === 'volume') {
    for (const need of networkOrVolumeCreateNeeds(type, body))
      require(ctx, need.operation, collection, need.rule);
  }
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
    body: Buffer.from(JSON.stringify(body)),
    answer: 'pass',
  };
}

export async function planUpdate(
  ctx: PlanContext,
  found: Located,
  operation: Operation,
  url: string,
): Promise<Plan> {
  const type = found.type as UpdatedType;
  const body = await ctx.readJson();
  const collection = requestedCollection(ctx, body['Labels'] as Labels) ?? found.collection;
  if (collection !== found.collection)
    require(ctx, CREATE_OF[type], collection, `moving ${type} ${found.id} to ${collection}`);
  if (type === 'service') await checkWorkload(ctx, 'service', body, collection);
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
    body: Buffer.from(JSON.stringify(body)),
    answer: 'pass',
  };
}
