/**
 * The vocabulary of authorization: every operation a role can hold, as `<resource type>.<action>`.
 *
 * The Docker API proxy maps each Engine API call (method + path, and for creates what the body asks for)
 * to one or more of these; the authorizer only ever sees operations. The `container.*` capability
 * operations (bind mounts, privileged, host namespaces, added capabilities, devices) are asked for in
 * addition to `container.create` when a create or update requests them, which is how Restricted Control
 * can create containers yet not escape them.
 */

export const RESOURCE_ACTIONS = {
  container: [
    'view',
    'create',
    'start',
    'stop',
    'restart',
    'kill',
    'pause',
    'update',
    'rename',
    'remove',
    'attach',
    'logs',
    'stats',
    'archive',
    'commit',
    'exec',
    'bind_mount',
    'privileged',
    'host_namespaces',
    'capabilities',
    'devices',
  ],
  service: ['view', 'create', 'update', 'remove', 'logs'],
  task: ['view', 'logs'],
  node: ['view', 'schedule', 'update', 'remove'],
  network: ['view', 'create', 'remove', 'connect', 'disconnect'],
  volume: ['view', 'create', 'remove', 'use'],
  secret: ['view', 'create', 'update', 'remove', 'use'],
  config: ['view', 'create', 'update', 'remove', 'use'],
  image: ['view', 'pull', 'push', 'build', 'tag', 'remove'],
} as const;

export type ResourceType = keyof typeof RESOURCE_ACTIONS;
export type Operation = {
  [R in ResourceType]: `${R}.${(typeof RESOURCE_ACTIONS)[R][number]}`;
}[ResourceType];

export const RESOURCE_TYPES = Object.keys(RESOURCE_ACTIONS) as ResourceType[];

export const ALL_OPERATIONS: readonly Operation[] = RESOURCE_TYPES.flatMap((type) =>
  RESOURCE_ACTIONS[type].map((action) => `${type}.${action}` as Operation),
);

const KNOWN = new Set<string>(ALL_OPERATIONS);

export function isOperation(value: string): value is Operation {
  return KNOWN.has(value);
}

/** Operations that let a workload reach outside its container; Restricted Control lacks all of them. */
export const ESCAPE_OPERATIONS: readonly Operation[] = [
  'container.exec',
  'container.bind_mount',
  'container.privileged',
  'container.host_namespaces',
  'container.capabilities',
  'container.devices',
];
