/**
 * The policy of every field of a swarm service spec (`POST /services/create` and the new spec of
 * `POST /services/{id}/update`). A task's container gets the same rules as a plain container where the
 * fields mean the same; placement is the proxy's (it adds its own constraints after the check).
 */
import type { Need } from './policy.js';
import { admin, fields, rule, SAFE } from './policy.js';
import {
  CAP_ADD,
  CONFIG_REFS,
  IMAGE,
  LABELS,
  LOG_DRIVER_NAME,
  MOUNTS,
  SECRET_REFS,
  SERVICE_NETWORKS,
} from './rules.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const mode = (v: unknown): string => {
  const m = obj(v)['Mode'];
  return typeof m === 'string' ? m : '';
};
const privileged = (why: string): Need[] => [
  { kind: 'operation', operation: 'container.privileged', rule: why },
];

/** Switching a security module off, or choosing its profile, is privileged mode, as with SecurityOpt. */
const PRIVILEGES = fields({
  AppArmor: rule('privileges', (v) =>
    ['', 'default'].includes(mode(v)) ? [] : privileged('AppArmor not in default mode'),
  ),
  CredentialSpec: admin('Windows credential specs'),
  NoNewPrivileges: SAFE,
  SELinuxContext: rule('privileges', (v) =>
    Object.values(obj(v)).some((x) => x !== '' && x !== false && x !== null)
      ? privileged('an SELinux context (or SELinux disabled)')
      : [],
  ),
  Seccomp: rule('privileges', (v) =>
    ['', 'default'].includes(mode(v)) ? [] : privileged(`seccomp mode ${mode(v)}`),
  ),
});

const CONTAINER_SPEC = fields({
  Args: SAFE,
  CapabilityAdd: CAP_ADD,
  CapabilityDrop: SAFE,
  Command: SAFE,
  Configs: CONFIG_REFS,
  DNSConfig: SAFE,
  Dir: SAFE,
  Env: SAFE,
  Groups: SAFE,
  HealthCheck: SAFE,
  Hostname: SAFE,
  Hosts: SAFE,
  Image: IMAGE,
  Init: SAFE,
  Isolation: SAFE,
  Labels: LABELS,
  Mounts: MOUNTS,
  OomScoreAdj: admin('a negative score makes the host kill other processes first'),
  OpenStdin: SAFE,
  Privileges: PRIVILEGES,
  ReadOnly: SAFE,
  Secrets: SECRET_REFS,
  StopGracePeriod: SAFE,
  StopSignal: SAFE,
  Sysctls: admin('kernel parameters'),
  TTY: SAFE,
  Ulimits: SAFE,
  User: SAFE,
});

const TASK_SPEC = fields({
  ContainerSpec: CONTAINER_SPEC,
  ForceUpdate: SAFE,
  LogDriver: fields({ Name: LOG_DRIVER_NAME, Options: SAFE }),
  NetworkAttachmentSpec: admin('network attachment tasks are made by Swarm itself'),
  Networks: SERVICE_NETWORKS,
  Placement: SAFE,
  PluginSpec: admin('plugins run with host privileges'),
  Resources: SAFE,
  RestartPolicy: SAFE,
  Runtime: rule('runtime', (v) =>
    ['', 'container'].includes(String(v)) ? [] : [{ kind: 'admin', rule: `the task runtime ${String(v)}` }],
  ),
});

export const SERVICE_SPEC = fields({
  EndpointSpec: SAFE,
  Labels: LABELS,
  Mode: SAFE,
  Name: SAFE,
  Networks: SERVICE_NETWORKS,
  RollbackConfig: SAFE,
  TaskTemplate: TASK_SPEC,
  UpdateConfig: SAFE,
});
