/**
 * The per-field policy as a table: a body (canonical, as the decoder hands it over) → what it asks for.
 * Every row is something a caller could send; the expected needs are what the planner then decides.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BODY_POLICIES, needsOf, type Need, type PolicedBody } from './index.js';

type Row = readonly [name: string, kind: PolicedBody, body: Record<string, unknown>, expected: string[]];

/** A need in one short word: `op:container.privileged`, `admin`, `ref:volume:data`, `image:app`. */
const short = (n: Need) =>
  n.kind === 'operation'
    ? `op:${n.operation}`
    : n.kind === 'admin'
      ? 'admin'
      : n.kind === 'ref'
        ? `ref:${n.type}:${n.ref}`
        : `image:${n.ref}`;

const HC = (hostConfig: Record<string, unknown>) => ({ Image: 'app', HostConfig: hostConfig });
const DEFAULT_MASKED = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats'];

const rows: Row[] = [
  [
    'a plain container asks only for its image',
    'container.create',
    { Image: 'app', Cmd: ['sh'] },
    ['image:app'],
  ],
  [
    'what the docker CLI sends for `docker run` with zero values',
    'container.create',
    HC({ CgroupParent: '', OomScoreAdj: 0, Runtime: '', Sysctls: null, Devices: [], CapAdd: null }),
    ['image:app'],
  ],
  [
    'named volumes are references',
    'container.create',
    HC({ Binds: ['data:/d', '/x'] }),
    ['image:app', 'ref:volume:data'],
  ],
  [
    'a host path bind',
    'container.create',
    HC({ Binds: ['/:/host'] }),
    ['image:app', 'op:container.bind_mount'],
  ],
  [
    'a relative path is a bind too',
    'container.create',
    HC({ Binds: ['./x:/x'] }),
    ['image:app', 'op:container.bind_mount'],
  ],
  [
    '~ is not a volume name',
    'container.create',
    HC({ Binds: ['~/x:/x'] }),
    ['image:app', 'op:container.bind_mount'],
  ],
  ['privileged mode', 'container.create', HC({ Privileged: true }), ['image:app', 'op:container.privileged']],
  [
    'systempaths=unconfined',
    'container.create',
    HC({ MaskedPaths: [], ReadonlyPaths: [] }),
    ['image:app', 'op:container.privileged', 'op:container.privileged'],
  ],
  [
    'masked paths missing a default',
    'container.create',
    HC({ MaskedPaths: DEFAULT_MASKED }),
    ['image:app', 'op:container.privileged'],
  ],
  [
    'an inline seccomp profile',
    'container.create',
    HC({ SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] }),
    ['image:app', 'op:container.privileged'],
  ],
  [
    'no-new-privileges is fine',
    'container.create',
    HC({ SecurityOpt: ['no-new-privileges', 'no-new-privileges:true'] }),
    ['image:app'],
  ],
  [
    'apparmor=unconfined',
    'container.create',
    HC({ SecurityOpt: ['apparmor=unconfined'] }),
    ['image:app', 'op:container.privileged'],
  ],
  ['a cgroup parent', 'container.create', HC({ CgroupParent: '/' }), ['image:app', 'admin']],
  [
    'host namespaces',
    'container.create',
    HC({ PidMode: 'host', IpcMode: 'host', UTSMode: 'host', UsernsMode: 'host', CgroupnsMode: 'host' }),
    ['image:app', ...Array<string>(5).fill('op:container.host_namespaces')],
  ],
  [
    "another container's namespaces",
    'container.create',
    HC({ PidMode: 'container:x', NetworkMode: 'container:x', Cgroup: 'container:x' }),
    ['image:app', ...Array<string>(3).fill('op:container.host_namespaces')],
  ],
  [
    'an unknown namespace mode asks for an administrator',
    'container.create',
    HC({ IpcMode: 'weird' }),
    ['image:app', 'admin'],
  ],
  [
    'the host network',
    'container.create',
    HC({ NetworkMode: 'host' }),
    ['image:app', 'op:container.host_namespaces'],
  ],
  ['a named network', 'container.create', HC({ NetworkMode: 'devnet' }), ['image:app', 'ref:network:devnet']],
  [
    'capabilities and devices',
    'container.create',
    HC({ CapAdd: ['SYS_ADMIN'], Devices: [{ PathOnHost: '/dev/sda' }], DeviceCgroupRules: ['a *:* rwm'] }),
    ['image:app', 'op:container.capabilities', 'op:container.devices', 'op:container.devices'],
  ],
  [
    'volumes-from and links reach into other containers',
    'container.create',
    HC({ VolumesFrom: ['theirs:ro'], Links: ['/other:alias'] }),
    ['image:app', 'ref:container:other', 'ref:container:theirs'],
  ],
  [
    'mounts: bind, volume with driver options, tmpfs, image',
    'container.create',
    HC({
      Mounts: [
        { Type: 'bind', Source: '/etc', Target: '/e' },
        {
          Type: 'volume',
          Source: 'v',
          Target: '/v',
          VolumeOptions: {
            DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } },
          },
        },
        { Type: 'tmpfs', Target: '/t' },
        { Type: 'image', Source: 'other', Target: '/i' },
      ],
    }),
    ['image:app', 'op:container.bind_mount', 'op:container.bind_mount', 'ref:volume:v', 'admin'],
  ],
  ['a volume plugin', 'container.create', HC({ VolumeDriver: 'nfs' }), ['image:app', 'admin']],
  [
    'remote log drivers',
    'container.create',
    HC({ LogConfig: { Type: 'syslog', Config: { 'syslog-address': 'tcp://127.0.0.1:1' } } }),
    ['image:app', 'admin'],
  ],
  [
    'local log drivers',
    'container.create',
    HC({ LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } } }),
    ['image:app'],
  ],
  [
    'sysctls and runtimes',
    'container.create',
    HC({ Sysctls: { 'kernel.core_pattern': '|/x' }, Runtime: 'other' }),
    ['image:app', 'admin', 'admin'],
  ],
  [
    'a swarm label spoofs a task',
    'container.create',
    { Image: 'app', Labels: { 'com.docker.swarm.service.id': 'x' } },
    ['image:app', 'admin'],
  ],
  [
    'endpoints: the name and the NetworkID both count',
    'container.create',
    {
      Image: 'app',
      NetworkingConfig: { EndpointsConfig: { bridge: { NetworkID: 'theirs', Aliases: ['a'] }, devnet: {} } },
    },
    ['image:app', 'ref:network:theirs', 'ref:network:devnet'],
  ],
  [
    'endpoint driver options',
    'container.create',
    { NetworkingConfig: { EndpointsConfig: { mine: { DriverOpts: { x: 'y' } } } } },
    ['ref:network:mine', 'admin'],
  ],
  [
    'a field without a rule asks for an administrator',
    'container.create',
    HC({ NewThing: true }),
    ['image:app', 'admin'],
  ],
  [
    'container update: devices and cgroup parent',
    'container.update',
    { Memory: 1, Devices: [{}], CgroupParent: 'x' },
    ['op:container.devices', 'admin'],
  ],
  ['a privileged exec', 'exec.create', { Cmd: ['sh'], Privileged: true }, ['op:container.privileged']],
  ['commit plants build triggers', 'commit', { OnBuild: ['ADD http://127.0.0.1/ /'] }, ['admin']],
  [
    'a service with everything',
    'service.spec',
    {
      Name: 's',
      TaskTemplate: {
        ContainerSpec: {
          Image: 'app',
          Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }],
          CapabilityAdd: ['NET_ADMIN'],
          Privileges: {
            Seccomp: { Mode: 'unconfined' },
            AppArmor: { Mode: 'disabled' },
            SELinuxContext: { Disable: true },
          },
          Secrets: [{ SecretID: 'sid', SecretName: 's' }],
          Configs: [{ ConfigName: 'c' }],
          Sysctls: { a: 'b' },
        },
        Networks: [{ Target: 'host' }, { Target: 'devnet' }],
        Runtime: 'plugin',
        PluginSpec: { Name: 'x' },
      },
    },
    [
      'image:app',
      'op:container.bind_mount',
      'op:container.capabilities',
      'op:container.privileged',
      'op:container.privileged',
      'op:container.privileged',
      'ref:secret:sid',
      'ref:secret:s',
      'ref:config:c',
      'admin',
      'op:container.host_namespaces',
      'ref:network:devnet',
      'admin',
      'admin',
    ],
  ],
  [
    'a host-segment network',
    'network.create',
    { Name: 'n', Driver: 'macvlan', Options: { parent: 'eth0' } },
    ['op:container.host_namespaces', 'admin'],
  ],
  [
    'a bridge on a host bridge',
    'network.create',
    { Name: 'n', Options: { 'com.docker.network.bridge.name': 'docker0' } },
    ['admin'],
  ],
  [
    'an overlay network with encryption',
    'network.create',
    { Name: 'n', Driver: 'overlay', Options: { encrypted: '' }, Attachable: true },
    [],
  ],
  ['the ingress network', 'network.create', { Name: 'n', Ingress: true }, ['admin']],
  [
    'volume driver options bind the host',
    'volume.create',
    { Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/' } },
    ['op:container.bind_mount'],
  ],
  [
    'a network connect with another network id',
    'network.connect',
    { Container: 'c', EndpointConfig: { NetworkID: 'theirs' } },
    ['ref:network:theirs'],
  ],
  [
    'templated secrets',
    'secret.spec',
    { Name: 's', Data: 'eA==', Templating: { Name: 'golang' } },
    ['admin'],
  ],
];

describe('per-field policy', () => {
  for (const [name, kind, body, expected] of rows) {
    it(name, () => {
      assert.deepEqual(needsOf(BODY_POLICIES[kind], body).map(short).sort(), [...expected].sort());
    });
  }

  it('names the field and the rule in each need', () => {
    const [need] = needsOf(BODY_POLICIES['container.create'], { HostConfig: { CgroupParent: '/x' } });
    assert.deepEqual(need, {
      kind: 'admin',
      rule: "HostConfig.CgroupParent (places the container in a cgroup of the host's choosing)",
    });
  });
});
