/**
 * Finds a resource the caller named (by id, id prefix or name) and the collection it belongs to, by asking
 * the engine. Containers of swarm tasks, tasks and exec instances take their collection from what they
 * belong to (service, service, container).
 *
 * A resource found keeps the engine's answer to its inspect (`answer`): when the caller's own call is that
 * very inspect, the planner answers with it instead of asking the engine a second time (plan.ts).
 */
import type { ResourceType } from './operations/index.js';
import type { EngineAnswer, EngineLookups } from './engine-api.js';
import { EngineFailure } from './engine-failure.js';
import { collectionOf, labelsOf, serviceIdOfContainer } from './labels.js';

export interface Located {
  readonly type: ResourceType;
  /** The engine's full id (the name, for volumes). */
  readonly id: string;
  readonly collection: string;
  readonly resource: Record<string, unknown>;
  /** The engine's answer `resource` was read from (GET of its inspect path, at the pinned API version). */
  readonly answer?: EngineAnswer;
  /** In a cluster: the swarm node that holds it (the planned call goes there, and nowhere else). */
  readonly node?: string;
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
      const inspected = await this.inspectAnswer(`/exec/${encodeURIComponent(ref)}/json`);
      if (!inspected) return undefined;
      const exec = inspected.resource;
      const container = await this.locate('container', String(exec['ContainerID']));
      const node = inspected.answer.node;
      return (
        container && {
          type,
          id: String(exec['ID']),
          collection: container.collection,
          resource: exec,
          ...(node !== undefined ? { node } : {}),
        }
      );
    }
    const inspected = await this.inspectAnswer(INSPECT_PATH[type].replace('{}', encodeURIComponent(ref)));
    if (!inspected) return undefined;
    const { resource, answer } = inspected;
    const id = String(type === 'volume' ? resource['Name'] : (resource['Id'] ?? resource['ID']));
    let collection = collectionOf(labelsOf(type, resource));
    const serviceId =
      type === 'task'
        ? String(resource['ServiceID'])
        : type === 'container'
          ? serviceIdOfContainer(resource)
          : undefined;
    if (serviceId) collection = (await this.serviceCollection(serviceId)) ?? collection;
    return {
      type,
      id,
      collection,
      resource,
      answer,
      ...(answer.node !== undefined ? { node: answer.node } : {}),
    };
  }

  /** EngineLookups.inspect, keeping the answer: undefined on 404, other failures throw. */
  private async inspectAnswer(path: string): Promise<{ resource: Json; answer: EngineAnswer } | undefined> {
    const answer = await this.engine.call('GET', path);
    if (answer.status === 404) return undefined;
    if (answer.status >= 400)
      throw new EngineFailure(
        answer.status,
        `the Docker Engine answered ${answer.status} to GET ${path}: ${answer.body.toString()}`,
      );
    return { resource: JSON.parse(answer.body.toString('utf8')) as Json, answer };
  }
}
