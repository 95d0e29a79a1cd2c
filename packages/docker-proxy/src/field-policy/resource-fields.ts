/**
 * The policy of the fields of networks, volumes, secrets, configs, nodes and network (dis)connects.
 * Network drivers and options that reach the host's own segments (host, macvlan, ipvlan, a bridge of the
 * host's) count as host namespaces; plugins (volume, network, IPAM, secret drivers) are administrators'.
 */
import type { Need } from './policy.js';
import { admin, fields, rule, SAFE } from './policy.js';
import { ENDPOINT_SETTINGS, LABELS, VOLUME_DRIVER, volumeDriverNeeds } from './rules.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const hostSegment = (why: string): Need[] => [
  { kind: 'operation', operation: 'container.host_namespaces', rule: why },
];

const HOST_NETWORK_DRIVERS = new Set(['host', 'macvlan', 'ipvlan']);
/** Driver options that only tune the network the caller makes. */
const NETWORK_OPTIONS = new Set([
  'encrypted',
  'com.docker.network.driver.mtu',
  'com.docker.network.bridge.enable_icc',
  'com.docker.network.bridge.enable_ip_masquerade',
]);

export const NETWORK_CREATE = fields({
  Attachable: SAFE,
  CheckDuplicate: SAFE,
  ConfigFrom: rule('network-driver', (v) =>
    str(obj(v)['Network']) === ''
      ? []
      : [
          ...hostSegment(`a network configured from ${str(obj(v)['Network'])}`),
          { kind: 'ref', type: 'network', ref: str(obj(v)['Network']) },
        ],
  ),
  ConfigOnly: SAFE,
  Driver: rule('network-driver', (v) => {
    const driver = str(v);
    if (['', 'bridge', 'overlay'].includes(driver)) return [];
    if (HOST_NETWORK_DRIVERS.has(driver))
      return hostSegment(`a network on the host's segment (driver ${driver})`);
    return [{ kind: 'admin', rule: `the network driver ${driver} (a plugin on the host)` }];
  }),
  EnableIPv4: SAFE,
  EnableIPv6: SAFE,
  IPAM: fields({
    Config: SAFE,
    Driver: rule('ipam-driver', (v) =>
      ['', 'default'].includes(str(v)) ? [] : [{ kind: 'admin', rule: `the IPAM driver ${str(v)}` }],
    ),
    Options: SAFE,
  }),
  Ingress: admin('the ingress network carries every published port of the swarm'),
  Internal: SAFE,
  Labels: LABELS,
  Name: SAFE,
  Options: rule('network-options', (v) =>
    Object.keys(obj(v))
      .filter((k) => !NETWORK_OPTIONS.has(k))
      .map((k) => ({ kind: 'admin', rule: `the network driver option ${k}` })),
  ),
  Scope: SAFE,
});

export const VOLUME_CREATE = fields({
  ClusterVolumeSpec: admin('cluster volumes are managed by administrators'),
  Driver: VOLUME_DRIVER,
  DriverOpts: rule('driver-options', (v) => volumeDriverNeeds(v)),
  Labels: LABELS,
  Name: SAFE,
});

export const SECRET_SPEC = fields({
  Data: SAFE,
  Driver: admin('secret drivers are plugins'),
  Labels: LABELS,
  Name: SAFE,
  Templating: admin('templated secrets'),
});

export const CONFIG_SPEC = fields({
  Data: SAFE,
  Labels: LABELS,
  Name: SAFE,
  Templating: admin('templated configs'),
});

export const NODE_SPEC = fields({ Availability: SAFE, Labels: SAFE, Name: SAFE, Role: SAFE });

/** The container is a reference the planner checks itself (`container.update` on it). */
export const NETWORK_CONNECT = fields({ Container: SAFE, EndpointConfig: ENDPOINT_SETTINGS });
export const NETWORK_DISCONNECT = fields({ Container: SAFE, Force: SAFE });
