/**
 * What a container or service spec asks for beyond `*.create`: the capability operations that let a
 * workload reach outside its container (Restricted Control has none of them), and the networks, secrets
 * and configs it uses (each must be usable by the caller). Pure: the proxy asks the authorizer.
 *
 * Every need carries a `rule` that says, in words, what in the request asked for it, so a refusal can
 * name the rule ("bind mount of host path /etc needs container.bind_mount").
 */
import type { Operation } from '@stevedore/authz';

export interface CapabilityNeed {
  readonly operation: Operation;
  readonly rule: string;
}

export interface ReferenceNeed {
  readonly type: 'network' | 'volume' | 'secret' | 'config' | 'container';
  readonly ref: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Networks every engine has; using them needs no grant (`host` is a namespace rule, below). */
const ENGINE_NETWORKS = new Set(['', 'default', 'bridge', 'none', 'host']);

function namespaceNeeds(fields: Record<string, string>): CapabilityNeed[] {
  const needs: CapabilityNeed[] = [];
  for (const [field, mode] of Object.entries(fields)) {
    if (mode === 'host')
      needs.push({
        operation: 'container.host_namespaces',
        rule: `${field} "host" shares the host's namespace`,
      });
    else if (mode.startsWith('container:'))
      needs.push({
        operation: 'container.host_namespaces',
        rule: `${field} "${mode}" joins another container's namespace`,
      });
  }
  return needs;
}

function mountNeeds(mounts: unknown[]): CapabilityNeed[] {
  const needs: CapabilityNeed[] = [];
  for (const m of mounts.map(obj)) {
    if (m['Type'] === 'bind' || m['Type'] === 'npipe')
      needs.push({
        operation: 'container.bind_mount',
        rule: `bind mount of host path ${str(m['Source']) || '(unnamed)'}`,
      });
    const driverOptions = obj(obj(obj(m['VolumeOptions'])['DriverConfig'])['Options']);
    if (Object.keys(driverOptions).length > 0) needs.push(volumeDriverNeed(driverOptions));
  }
  return needs;
}

/**
 * Volume driver options can make a "volume" out of a host path (`type=none,o=bind,device=/etc` for the
 * local driver) or a network share, so they count as a bind mount.
 */
export function volumeDriverNeed(options: Json): CapabilityNeed {
  const shown = Object.entries(options)
    .map(([k, v]) => `${k}=${str(v)}`)
    .join(',');
  return { operation: 'container.bind_mount', rule: `volume driver options (${shown})` };
}

/** Network drivers that put containers on the host's own network segments, or in its namespace. */
const HOST_NETWORK_DRIVERS = new Set(['host', 'macvlan', 'ipvlan']);

/** `POST /networks/create` and `POST /volumes/create` bodies. */
export function networkOrVolumeCreateNeeds(type: 'network' | 'volume', body: Json): CapabilityNeed[] {
  if (type === 'volume') {
    const options = obj(body['DriverOpts']);
    return Object.keys(options).length > 0 ? [volumeDriverNeed(options)] : [];
  }
  const driver = str(body['Driver']);
  return HOST_NETWORK_DRIVERS.has(driver) ||
    str(body['ConfigFrom'] && obj(body['ConfigFrom'])['Network']) !== ''
    ? [
        {
          operation: 'container.host_namespaces',
          rule: `a network on the host's segment (driver ${driver || 'from config'})`,
        },
      ]
    : [];
}

/** `POST /containers/{id}/exec` body: a privileged exec is privileged mode. */
export function execCreateNeeds(body: Json): CapabilityNeed[] {
  return body['Privileged'] === true
    ? [{ operation: 'container.privileged', rule: 'a privileged exec' }]
    : [];
}

/** `POST /containers/create` body. */
export function containerCreateNeeds(body: Json): { capabilities: CapabilityNeed[]; refs: ReferenceNeed[] } {
  const host = obj(body['HostConfig']);
  const capabilities: CapabilityNeed[] = [];
  const volumes = new Set<string>();
  for (const bind of arr(host['Binds']).map(str)) {
    const source = bind.split(':')[0] ?? '';
    if (source.startsWith('/') || source.startsWith('.') || source.includes('\\'))
      capabilities.push({ operation: 'container.bind_mount', rule: `bind mount of host path ${source}` });
    else if (bind.includes(':') && source !== '') volumes.add(source);
  }
  const mounts = arr(host['Mounts']);
  capabilities.push(...mountNeeds(mounts));
  for (const name of namedVolumes(mounts)) volumes.add(name);
  if (host['Privileged'] === true)
    capabilities.push({ operation: 'container.privileged', rule: 'privileged mode' });
  for (const opt of arr(host['SecurityOpt']).map(str)) {
    if (/unconfined|label[=:]disable/.test(opt))
      capabilities.push({ operation: 'container.privileged', rule: `security option "${opt}"` });
  }
  capabilities.push(
    ...namespaceNeeds({
      NetworkMode: str(host['NetworkMode']),
      PidMode: str(host['PidMode']),
      IpcMode: str(host['IpcMode']),
      UTSMode: str(host['UTSMode']),
      UsernsMode: str(host['UsernsMode']),
      CgroupnsMode: str(host['CgroupnsMode']),
    }),
  );
  const capAdd = arr(host['CapAdd']).map(str).filter(Boolean);
  if (capAdd.length > 0)
    capabilities.push({
      operation: 'container.capabilities',
      rule: `added capabilities ${capAdd.join(', ')}`,
    });
  if (
    arr(host['Devices']).length + arr(host['DeviceRequests']).length + arr(host['DeviceCgroupRules']).length >
    0
  )
    capabilities.push({ operation: 'container.devices', rule: 'host devices' });

  const networks = new Set<string>();
  const mode = str(host['NetworkMode']);
  if (!ENGINE_NETWORKS.has(mode) && !mode.startsWith('container:')) networks.add(mode);
  for (const name of Object.keys(obj(obj(body['NetworkingConfig'])['EndpointsConfig'])))
    if (!ENGINE_NETWORKS.has(name)) networks.add(name);
  const refs: ReferenceNeed[] = [
    ...[...networks].map((ref) => ({ type: 'network' as const, ref })),
    ...[...volumes].map((ref) => ({ type: 'volume' as const, ref })),
    // --volumes-from: that container's files become this one's.
    ...arr(host['VolumesFrom'])
      .map((v) => str(v).split(':')[0] ?? '')
      .filter(Boolean)
      .map((ref) => ({ type: 'container' as const, ref })),
  ];
  return { capabilities, refs };
}

/** Sources of `volume` mounts (named volumes; anonymous ones have none). */
function namedVolumes(mounts: unknown[]): string[] {
  return mounts
    .map(obj)
    .filter((m) => (m['Type'] ?? 'volume') === 'volume' && str(m['Source']) !== '')
    .map((m) => str(m['Source']));
}

/** A service's `Privileges`: switching a security module off is privileged mode, as with SecurityOpt. */
function privilegeNeeds(privileges: Json): CapabilityNeed[] {
  const off = [
    obj(privileges['SELinuxContext'])['Disable'] === true && 'SELinux disabled',
    obj(privileges['Seccomp'])['Mode'] === 'unconfined' && 'seccomp unconfined',
    obj(privileges['AppArmor'])['Mode'] === 'disabled' && 'AppArmor disabled',
  ].filter((rule): rule is string => typeof rule === 'string');
  return off.map((rule) => ({ operation: 'container.privileged', rule }));
}

/** A service spec (`POST /services/create` body, or the new spec of an update). */
export function serviceSpecNeeds(spec: Json): { capabilities: CapabilityNeed[]; refs: ReferenceNeed[] } {
  const task = obj(spec['TaskTemplate']);
  const container = obj(task['ContainerSpec']);
  const capabilities = mountNeeds(arr(container['Mounts']));
  const capAdd = arr(container['CapabilityAdd']).map(str).filter(Boolean);
  if (capAdd.length > 0)
    capabilities.push({
      operation: 'container.capabilities',
      rule: `added capabilities ${capAdd.join(', ')}`,
    });
  capabilities.push(...privilegeNeeds(obj(container['Privileges'])));
  const refs: ReferenceNeed[] = [];
  for (const n of [...arr(task['Networks']), ...arr(spec['Networks'])].map(obj)) {
    const target = str(n['Target']);
    if (target === 'host')
      capabilities.push({ operation: 'container.host_namespaces', rule: 'the "host" network' });
    else if (!ENGINE_NETWORKS.has(target)) refs.push({ type: 'network', ref: target });
  }
  for (const ref of namedVolumes(arr(container['Mounts']))) refs.push({ type: 'volume', ref });
  for (const s of arr(container['Secrets']).map(obj))
    refs.push({ type: 'secret', ref: str(s['SecretID']) || str(s['SecretName']) });
  for (const c of arr(container['Configs']).map(obj))
    refs.push({ type: 'config', ref: str(c['ConfigID']) || str(c['ConfigName']) });
  return { capabilities, refs: refs.filter((r) => r.ref !== '') };
}
