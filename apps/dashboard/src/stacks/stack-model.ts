/**
 * Stacks as `docker stack ls` sees them: there is no stack object on the engine, only services, networks,
 * secrets, configs and volumes carrying the label `com.docker.stack.namespace=<stack>`. Grouping is pure
 * (tested under Node); the lists it groups are what the proxy let the user see.
 */
import {
  collectionOf,
  type Config,
  type Labels,
  type Network,
  type Secret,
  type Service,
  type Volume,
} from '../api/docker-types.js';
import { STACK_LABEL } from './compose.js';

export interface StackLists {
  readonly services: readonly Service[];
  readonly networks: readonly Network[];
  readonly secrets: readonly Secret[];
  readonly configs: readonly Config[];
  readonly volumes: readonly Volume[];
}

export interface Stack {
  readonly name: string;
  readonly services: Service[];
  readonly networks: Network[];
  readonly secrets: Secret[];
  readonly configs: Config[];
  readonly volumes: Volume[];
  /** The collections its objects are in (one, unless someone moved an object). */
  readonly collections: string[];
}

const stackOf = (labels: Labels | null | undefined) => labels?.[STACK_LABEL];

export function groupStacks(lists: StackLists): Stack[] {
  const stacks = new Map<string, Stack>();
  const collections = new Map<string, Set<string>>();
  const stack = (name: string) => {
    let s = stacks.get(name);
    if (!s) {
      s = { name, services: [], networks: [], secrets: [], configs: [], volumes: [], collections: [] };
      stacks.set(name, s);
      collections.set(name, new Set());
    }
    return s;
  };
  const add = <T>(
    items: readonly T[],
    labels: (item: T) => Labels | null | undefined,
    into: keyof StackLists,
  ) => {
    for (const item of items) {
      const name = stackOf(labels(item));
      if (!name) continue;
      (stack(name)[into] as T[]).push(item);
      collections.get(name)!.add(collectionOf(labels(item)));
    }
  };
  add(lists.services, (s) => s.Spec.Labels, 'services');
  add(lists.networks, (n) => n.Labels, 'networks');
  add(lists.secrets, (s) => s.Spec.Labels, 'secrets');
  add(lists.configs, (c) => c.Spec.Labels, 'configs');
  add(lists.volumes, (v) => v.Labels, 'volumes');
  return [...stacks.values()]
    .map((s) => ({ ...s, collections: [...collections.get(s.name)!].sort() }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
