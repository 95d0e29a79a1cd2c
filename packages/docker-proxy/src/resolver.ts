/**
 * Finds a resource the caller named (by id, id prefix or name) and the collection it belongs to, by asking
 * the engine. Containers of swarm tasks, tasks and exec instances take their collection from what they
 * belong to (service, service, container).
 */
import type { ResourceType } from './operations/index.js';
import type { EngineLookups } from './engine-api.js';
import { collectionOf, labelsOf, serviceIdOfContainer } from './labels.js';

export interface Located {
  readonly type: ResourceType;
  /** The engine's full id (the name, for volumes). */
  readonly id: string;
  readonly collection: string;
  readonly resource: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const INSPECT_PATH: Record<Exclude<ResourceType, 'exec'>, string> = {
  container: '/containers/{}/json',
  service: '/services/{}',
  task: '/tasks/{}',
  node: '/nodes/{}',
  network: '/networks/{}',
  volume: '/volumes/{}',
  secret: '/secrets/{}',
  config: '/configs/{}',
};

export class Resolver {
  constructor(private readonly engine: EngineLookups) {}

  async serviceCollection(serviceId: string): Promise<string | undefined> {
    const service = await this.engine.inspect<Json>(`/services/${encodeURIComponent(serviceId)}`);
    return service ? collectionOf(labelsOf('service', service)) : undefined;
  }

  /** Collections of all services, by id: for filtering lists of tasks and task containers. */
  async serviceCollections(): Promise<Map<string, string>> {
    const answer = await this.engine.call('GET', '/services');
    if (answer.status >= 400) return new Map(); // not a swarm manager: there are no services
    const services = JSON.parse(answer.body.toString('utf8')) as Json[];
    return new Map(services.map((s) => [String(s['ID']), collectionOf(labelsOf('service', s))]));
  }

  async locate(type: ResourceType, ref: string): Promise<Located | undefined> {
    if (type === 'exec') {
      const exec = await this.engine.inspect<Json>(`/exec/${encodeURIComponent(ref)}/json`);
      if (!exec) return undefined;
      const container = await this.locate('container', String(exec['ContainerID']));
      return container && { type, id: String(exec['ID']), collection: container.collection, resource: exec };
    }
    const resource = await this.engine.inspect<Json>(
      INSPECT_PATH[type].replace('{}', encodeURIComponent(ref)),
    );
    if (!resource) return undefined;
    const id = String(type === 'volume' ? resource['Name'] : (resource['Id'] ?? resource['ID']));
    let collection = collectionOf(labelsOf(type, resource));
    const serviceId =
      type === 'task'
        ? String(resource['ServiceID'])
        : type === 'container'
          ? serviceIdOfContainer(resource)
          : undefined;
    if (serviceId) collection = (await this.serviceCollection(serviceId)) ?? collection;
    return { type, id, collection, resource };
  }
}
