/** What each named rule asks for, in words: the legend of docs/rbac.md's per-field tables. */
export const RULE_DOCS: Readonly<Record<string, string>> = {
  binds:
    'a host path (anything that is not a volume name) needs `container.bind_mount`; a volume name is a volume the caller must be able to use',
  capabilities: 'added capabilities need `container.capabilities`',
  configs: 'each config must be visible and usable (`config.use`)',
  devices: 'host devices, device requests and device cgroup rules need `container.devices`',
  'driver-options':
    'volume driver options (they can bind a host path or mount a share) need `container.bind_mount`',
  endpoints:
    'each network, by name and by `NetworkID`, must be usable (`network.connect`); the `host` network needs `container.host_namespaces`',
  image: "a local image must be visible to the caller (another user's private tag answers as missing)",
  'ipam-driver': 'IPAM drivers other than `default` are administrators’',
  labels:
    '`com.docker.swarm.*` labels (which only Swarm sets) are administrators’; `io.stevedore.collection` names the collection',
  links: 'a linked container must be visible and its data readable (`container.archive`)',
  'log-driver':
    '`json-file`, `local` and `none` (and the daemon default); drivers that ship logs elsewhere are administrators’',
  mounts:
    'bind mounts need `container.bind_mount`; volume mounts use a volume (driver options count as a bind mount, plugins are administrators’); tmpfs is safe; other types are administrators’',
  namespaces:
    "`host` or `container:<id>` needs `container.host_namespaces`; modes other than the field's private ones are administrators’",
  'network-driver':
    '`bridge` and `overlay`; `host`, `macvlan`, `ipvlan` and `ConfigFrom` need `container.host_namespaces`; plugins are administrators’',
  'network-id': 'the network the engine prefers over the name it is filed under must be usable too',
  'network-mode':
    '`host` and `container:<id>` need `container.host_namespaces`; a named network must be usable (`network.connect`)',
  'network-options':
    'only `encrypted`, the MTU, ICC and masquerading options; the rest (a host bridge name, a parent interface) are administrators’',
  networks:
    'each attached network must be usable (`network.connect`); `host` needs `container.host_namespaces`',
  privileged: '`true` needs `container.privileged`',
  privileges:
    'seccomp or AppArmor outside their default mode, or any SELinux context, needs `container.privileged`',
  runtime: 'only the default task runtime (`container`)',
  secrets: 'each secret, by id and by name, must be visible and usable (`secret.use`)',
  'security-options':
    'only `no-new-privileges`; every other option (seccomp, AppArmor, SELinux labels) needs `container.privileged`',
  'system-paths':
    "a list missing one of the engine's default paths (`systempaths=unconfined`) needs `container.privileged`",
  'volume-driver': 'only the `local` driver; plugins are administrators’',
  'volumes-from': "the other container's volumes must be readable (`container.archive` on it)",
};
