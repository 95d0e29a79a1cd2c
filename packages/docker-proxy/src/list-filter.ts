/**
 * Lists, filtered to what the caller may view: the engine answers the whole list, the proxy drops every
 * item whose collection the caller holds no `<type>.view` on. Images carry no collection: the caller sees
 * all of them or none, by `image.view` on their default collection. When nothing is dropped, the list
 * itself is returned (the same object).
 */
import type { ListedType } from './operations/index.js';
import type { Operation } from '@stevedore/authz';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';
import { collectionOf, labelsOf, serviceIdOfContainer, UNLABELLED_COLLECTION } from './labels.js';
import type { Resolver } from './resolver.js';
import { visibleImageList } from './image-access.js';
import type { ImageOwners } from './image-owners.js';

type Json = Record<string, unknown>;

/** Whether a listed item belongs by its service (a task, a task's container): then the services are listed. */
export function needsServiceCollections(type: ListedType, item: Json): boolean {
  return type === 'task' || (type === 'container' && serviceIdOfContainer(item) !== undefined);
}

/**
 * Where a listed item belongs: its label; a task's and a task container's, their service's (`services`:
 * collections by service id; a service that is gone leaves a task in /System).
 */
export function collectionOfListed(
  type: ListedType,
  item: Json,
  services?: ReadonlyMap<string, string>,
): string {
  if (type === 'task') return services?.get(String(item['ServiceID'])) ?? UNLABELLED_COLLECTION;
  const serviceId = type === 'container' ? serviceIdOfContainer(item) : undefined;
  const ofService = serviceId === undefined ? undefined : services?.get(serviceId);
  return ofService ?? collectionOf(labelsOf(type, item));
}

export async function filterList(
  type: ListedType,
  list: unknown,
  access: ProxyAccess,
  caller: ProxyCaller,
  resolver: Resolver,
  imageOwners?: ImageOwners,
): Promise<unknown> {
  const view = `${type}.view` as Operation;
  // Images: `image.view` on the default collection, then only the tags the caller may see (image-access.ts).
  if (type === 'image') {
    if (!decide(access, caller, view, caller.defaultCollection).allowed) return [];
    if (caller.admin) return list;
    return imageOwners ? visibleImageList(caller, imageOwners, list) : [];
  }
  // Volumes come wrapped: { Volumes: [...], Warnings }.
  const items = (type === 'volume' ? (list as { Volumes?: Json[] | null }).Volumes : list) as Json[] | null;
  if (!Array.isArray(items)) return list;

  const needsServices = items.some((item) => needsServiceCollections(type, item));
  const services = needsServices ? await resolver.serviceCollections() : undefined;
  const collectionOfItem = (item: Json) => collectionOfListed(type, item, services);
  const decided = new Map<string, boolean>();
  const kept = items.filter((item) => {
    const collection = collectionOfItem(item);
    let allowed = decided.get(collection);
    if (allowed === undefined) {
      allowed = decide(access, caller, view, collection).allowed;
      decided.set(collection, allowed);
    }
    return allowed;
  });
  // The same object back when nothing was dropped, so the caller can send the engine's bytes as they were.
  if (kept.length === items.length) return list;
  return type === 'volume' ? { ...(list as Json), Volumes: kept } : kept;
}
