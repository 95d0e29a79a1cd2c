/**
 * Where a resource belongs: the `io.stevedore.collection` label, read from wherever each resource type
 * keeps its labels in the Engine API. A swarm task's container belongs to its service's collection (the
 * engine labels it with the service id), whatever labels the container itself carries.
 *
 * An unlabelled resource (made on the engine directly, or before Stevedore) is in `/System`, which only
 * administrators and holders of grants on `/System` or `/` see: deny by default.
 */
import { SYSTEM_COLLECTION } from '@stevedore/authz';

export const COLLECTION_LABEL = 'io.stevedore.collection';
export const SERVICE_ID_LABEL = 'com.docker.swarm.service.id';
export const UNLABELLED_COLLECTION = SYSTEM_COLLECTION;

export type Labels = Readonly<Record<string, string>> | null | undefined;

export function collectionOf(labels: Labels): string {
  const value = labels?.[COLLECTION_LABEL];
  return typeof value === 'string' && value.length > 0 ? value : UNLABELLED_COLLECTION;
}

/** The labels of an inspected or listed resource, by type. */
export function labelsOf(type: string, resource: Record<string, unknown>): Labels {
  const spec = resource['Spec'] as { Labels?: Labels } | undefined;
  switch (type) {
    case 'service':
    case 'node':
    case 'secret':
    case 'config':
      return spec?.Labels;
    case 'container': {
      // Listed containers have Labels at the top; inspected ones under Config.
      const config = resource['Config'] as { Labels?: Labels } | undefined;
      return (resource['Labels'] as Labels) ?? config?.Labels;
    }
    default:
      return resource['Labels'] as Labels;
  }
}

/** The id of the swarm service a container is a task of, if it is one. */
export function serviceIdOfContainer(resource: Record<string, unknown>): string | undefined {
  return labelsOf('container', resource)?.[SERVICE_ID_LABEL];
}

/** A copy of `labels` with the collection set. */
export function withCollection(labels: Labels, collection: string): Record<string, string> {
  return { ...(labels ?? {}), [COLLECTION_LABEL]: collection };
}
