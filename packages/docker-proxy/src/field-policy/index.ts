/** Per-field policy of every body the proxy forwards; see policy.ts. */
import {
  CONTAINER_CREATE,
  CONTAINER_UPDATE,
  COMMIT_CONFIG,
  EXEC_CREATE,
  EXEC_START,
} from './container-fields.js';
import { SERVICE_SPEC } from './service-fields.js';
import {
  CONFIG_SPEC,
  NETWORK_CONNECT,
  NETWORK_DISCONNECT,
  NETWORK_CREATE,
  NODE_SPEC,
  SECRET_SPEC,
  VOLUME_CREATE,
} from './resource-fields.js';
import type { FieldPolicy } from './policy.js';

export * from './policy.js';

/** The policy of each body kind, by the canonical decoder's kind names. */
export const BODY_POLICIES = {
  'container.create': CONTAINER_CREATE,
  'container.update': CONTAINER_UPDATE,
  commit: COMMIT_CONFIG,
  'exec.create': EXEC_CREATE,
  'exec.start': EXEC_START,
  'service.spec': SERVICE_SPEC,
  'network.create': NETWORK_CREATE,
  'network.connect': NETWORK_CONNECT,
  'network.disconnect': NETWORK_DISCONNECT,
  'volume.create': VOLUME_CREATE,
  'secret.spec': SECRET_SPEC,
  'config.spec': CONFIG_SPEC,
  'node.spec': NODE_SPEC,
} as const satisfies Record<string, FieldPolicy>;

export type PolicedBody = keyof typeof BODY_POLICIES;
