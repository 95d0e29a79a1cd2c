/**
 * The named rules: what a field's value asks for beyond the plain create. Each need carries a `rule` in
 * words that says what in the request asked for it, so a refusal names it ("bind mount of host path /etc
 * is refused: container.bind_mount on …"). Values are canonical (decoded as the engine decodes them).
 *
 * Allowlists, not denylists: a namespace mode, security option, log driver or network driver the rule does
 * not know asks for an administrator.
 */
import type { Operation } from '@stevedore/authz';
import { fields, items, rule, SAFE, admin, needsOf, type FieldPolicy, type Need } from './policy.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const op = (operation: Operation, why: string): Need => ({ kind: 'operation', operation, rule: why });
const adminNeed = (why: string): Need => ({ kind: 'admin', rule: why });
const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : Object.keys(obj(v)).length > 0);

/** Networks every engine has; using them needs no grant (`host` is a namespace rule). */
export const ENGINE_NETWORKS = new Set(['', 'default', 'bridge', 'none']);
/** What the engine accepts as a volume name (moby's volume name pattern); anything else in Binds is a path. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export const PRIVILEGED = rule('privileged', (v) =>
  v === true ? [op('container.privileged', 'privileged mode')] : [],
);

export const BINDS = items(
  rule('binds', (v) => {
    const bind = str(v);
    const parts = bind.split(':');
    if (parts.length === 1) return []; // an anonymous volume at that path in the container
    const source = parts[0] ?? '';
    if (VOLUME_NAME.test(source)) return [{ kind: 'ref', type: 'volume', ref: source }];
    return [op('container.bind_mount', `bind mount of host path ${source || '(empty)'}`)];
  }),
);

/**
 * Volume driver options can make a "volume" out of a host path (`type=none,o=bind,device=/etc` for the
 * local driver) or a network share, so they count as a bind mount.
 */
export function volumeDriverNeeds(options: unknown): Need[] {
  if (!nonEmpty(options)) return [];
  const shown = Object.entries(obj(options))
    .map(([k, v]) => `${k}=${str(v)}`)
    .join(',');
  return [op('container.bind_mount', `volume driver options (${shown})`)];
}

export const VOLUME_DRIVER = rule('volume-driver', (v) =>
  ['', 'local'].includes(str(v)) ? [] : [adminNeed(`the volume driver ${str(v)} (a plugin on the host)`)],
);

export const MOUNTS = items(
  rule('mounts', (v) => {
    const m = obj(v);
    const type = str(m['Type']);
    if (type === 'bind' || type === 'npipe')
      return [op('container.bind_mount', `bind mount of host path ${str(m['Source']) || '(unnamed)'}`)];
    if (type === 'tmpfs') return [];
    if (type !== 'volume') return [adminNeed(`a mount of type "${type}"`)];
    const driver = obj(obj(m['VolumeOptions'])['DriverConfig']);
    const needs: Need[] = [
      ...volumeDriverNeeds(driver['Options']),
      ...needsOf(VOLUME_DRIVER, driver['Name'], 'Mounts.VolumeOptions.DriverConfig.Name'),
    ];
    if (str(m['Source']) !== '') needs.push({ kind: 'ref', type: 'volume', ref: str(m['Source']) });
    return needs;
  }),
);

/** Namespace modes: sharing the host's, or joining another container's, is a way out. */
export function namespaceMode(field: string, allowed: readonly string[]): FieldPolicy {
  return rule('namespaces', (v) => {
    const mode = str(v);
    if (allowed.includes(mode)) return [];
    if (mode === 'host')
      return [op('container.host_namespaces', `${field} "host" shares the host's namespace`)];
    if (mode.startsWith('container:'))
      return [op('container.host_namespaces', `${field} "${mode}" joins another container's namespace`)];
    return [adminNeed(`${field} "${mode}"`)];
  });
}

export const NETWORK_MODE = rule('network-mode', (v) => {
  const mode = str(v);
  if (ENGINE_NETWORKS.has(mode)) return [];
  if (mode === 'host' || mode.startsWith('container:'))
    return needsOf(namespaceMode('NetworkMode', []), mode);
  return [{ kind: 'ref', type: 'network', ref: mode }];
});

export const SECURITY_OPTIONS = items(
  rule('security-options', (v) =>
    /^no-new-privileges([:=](true|false))?$/.test(str(v))
      ? []
      : [op('container.privileged', `security option "${str(v)}"`)],
  ),
);

export const CAP_ADD = rule('capabilities', (v) =>
  nonEmpty(v)
    ? [op('container.capabilities', `added capabilities ${(v as unknown[]).map(str).join(', ')}`)]
    : [],
);

export const DEVICES = rule('devices', (v) => (nonEmpty(v) ? [op('container.devices', 'host devices')] : []));

/** The engine's defaults (moby oci.DefaultSpec); a list missing one is `systempaths=unconfined`. */
const DEFAULT_MASKED = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
const DEFAULT_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
export const systemPaths = (field: 'MaskedPaths' | 'ReadonlyPaths') =>
  rule('system-paths', (v) => {
    const given = new Set(Array.isArray(v) ? v.map(str) : []);
    const missing = (field === 'MaskedPaths' ? DEFAULT_MASKED : DEFAULT_READONLY).filter(
      (p) => !given.has(p),
    );
    return missing.length === 0
      ? []
      : [op('container.privileged', `${field} without ${missing.join(', ')} (systempaths=unconfined)`)];
  });

/** Log drivers that stay on the node's disk; the others ship logs to other hosts or the host's own log. */
const LOCAL_LOG_DRIVERS = ['', 'json-file', 'local', 'none'];
export const LOG_DRIVER_NAME = rule('log-driver', (v) =>
  LOCAL_LOG_DRIVERS.includes(str(v)) ? [] : [adminNeed(`the log driver ${str(v)}`)],
);

const containerRef = (ref: string): Need[] => (ref === '' ? [] : [{ kind: 'ref', type: 'container', ref }]);
/** `--link name:alias` and `--volumes-from name:ro` reach into that container (env, files). */
export const LINKS = items(
  rule('links', (v) => containerRef((str(v).split(':')[0] ?? '').replace(/^\//, ''))),
);
export const VOLUMES_FROM = items(rule('volumes-from', (v) => containerRef(str(v).split(':')[0] ?? '')));

/** Labels that only Swarm sets: a plain container carrying them would pass for a task of a service. */
export const LABELS = rule('labels', (v) =>
  Object.keys(obj(v))
    .filter((k) => k.startsWith('com.docker.swarm.'))
    .map((k) => adminNeed(`the label ${k}, which only Swarm sets`)),
);

export const IMAGE = rule('image', (v): Need[] => (str(v) === '' ? [] : [{ kind: 'image', ref: str(v) }]));

const networkRef = (ref: string): Need[] => {
  if (ENGINE_NETWORKS.has(ref)) return [];
  if (ref === 'host') return [op('container.host_namespaces', 'the "host" network')];
  return [{ kind: 'ref', type: 'network', ref }];
};

/** One network endpoint of a container (create's EndpointsConfig values, connect's EndpointConfig). */
export const ENDPOINT_SETTINGS = fields({
  Aliases: SAFE,
  DNSNames: SAFE,
  DriverOpts: admin('network driver options of an endpoint'),
  EndpointID: SAFE,
  Gateway: SAFE,
  GlobalIPv6Address: SAFE,
  GlobalIPv6PrefixLen: SAFE,
  GwPriority: SAFE,
  IPAMConfig: SAFE,
  IPAddress: SAFE,
  IPPrefixLen: SAFE,
  IPv6Gateway: SAFE,
  Links: LINKS,
  MacAddress: SAFE,
  // The engine prefers NetworkID over the name it is filed under: both must be usable.
  NetworkID: rule('network-id', (v) =>
    str(v) === '' ? [] : [{ kind: 'ref', type: 'network', ref: str(v) }],
  ),
});

export const ENDPOINTS = rule('endpoints', (v, path) =>
  Object.entries(obj(v)).flatMap(([name, settings]) => [
    ...networkRef(name),
    ...needsOf(ENDPOINT_SETTINGS, settings, `${path}.${name}`),
  ]),
);

/** A swarm task's network attachment (`TaskTemplate.Networks`, deprecated `Spec.Networks`). */
export const SERVICE_NETWORKS = items(
  fields({
    Target: rule('networks', (v) => networkRef(str(v))),
    Aliases: SAFE,
    DriverOpts: admin('network driver options of an attachment'),
  }),
);

export const SECRET_REFS = items(
  fields({
    SecretID: rule('secrets', (v) => (str(v) ? [{ kind: 'ref', type: 'secret', ref: str(v) }] : [])),
    SecretName: rule('secrets', (v) => (str(v) ? [{ kind: 'ref', type: 'secret', ref: str(v) }] : [])),
    File: SAFE,
  }),
);

export const CONFIG_REFS = items(
  fields({
    ConfigID: rule('configs', (v) => (str(v) ? [{ kind: 'ref', type: 'config', ref: str(v) }] : [])),
    ConfigName: rule('configs', (v) => (str(v) ? [{ kind: 'ref', type: 'config', ref: str(v) }] : [])),
    File: SAFE,
    Runtime: admin('a config used as a runtime credential spec'),
  }),
);
