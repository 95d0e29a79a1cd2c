/**
 * The policy of every field of a container: `POST /containers/create` (Config, HostConfig,
 * NetworkingConfig), `POST /containers/{id}/update` (the resources and restart policy), `POST /commit`
 * (the new image's Config) and `POST /containers/{id}/exec`. Field names are the union of Engine API v1.41
 * and the latest API (the coverage test compares them with canonical/engine-schemas.generated.ts).
 */
import {
  BINDS,
  CAP_ADD,
  DEVICES,
  ENDPOINTS,
  IMAGE,
  LABELS,
  LINKS,
  LOG_DRIVER_NAME,
  MOUNTS,
  NETWORK_MODE,
  PRIVILEGED,
  SECURITY_OPTIONS,
  VOLUME_DRIVER,
  VOLUMES_FROM,
  namespaceMode,
  systemPaths,
} from './rules.js';
import { admin, fields, SAFE } from './policy.js';

const CGROUP_PARENT = admin("places the container in a cgroup of the host's choosing");

/** Limits a container (or an update) may set: they only constrain the container itself. */
const RESOURCES = {
  BlkioDeviceReadBps: SAFE,
  BlkioDeviceReadIOps: SAFE,
  BlkioDeviceWriteBps: SAFE,
  BlkioDeviceWriteIOps: SAFE,
  BlkioWeight: SAFE,
  BlkioWeightDevice: SAFE,
  CgroupParent: CGROUP_PARENT,
  CpuCount: SAFE,
  CpuPercent: SAFE,
  CpuPeriod: SAFE,
  CpuQuota: SAFE,
  CpuRealtimePeriod: admin('real-time CPU time is taken from the host'),
  CpuRealtimeRuntime: admin('real-time CPU time is taken from the host'),
  CpuShares: SAFE,
  CpusetCpus: SAFE,
  CpusetMems: SAFE,
  DeviceCgroupRules: DEVICES,
  DeviceRequests: DEVICES,
  Devices: DEVICES,
  IOMaximumBandwidth: SAFE,
  IOMaximumIOps: SAFE,
  Init: SAFE,
  KernelMemory: SAFE,
  KernelMemoryTCP: SAFE,
  Memory: SAFE,
  MemoryReservation: SAFE,
  MemorySwap: SAFE,
  MemorySwappiness: SAFE,
  NanoCpus: SAFE,
  OomKillDisable: admin('a container the OOM killer spares can starve the host'),
  PidsLimit: SAFE,
  Ulimits: SAFE,
};

export const CONTAINER_CONFIG = {
  ArgsEscaped: SAFE,
  AttachStderr: SAFE,
  AttachStdin: SAFE,
  AttachStdout: SAFE,
  Cmd: SAFE,
  Domainname: SAFE,
  Entrypoint: SAFE,
  Env: SAFE,
  ExposedPorts: SAFE,
  Healthcheck: SAFE,
  Hostname: SAFE,
  Image: IMAGE,
  Labels: LABELS,
  MacAddress: SAFE,
  NetworkDisabled: SAFE,
  OnBuild: admin('build triggers planted in an image run in other users’ builds'),
  OpenStdin: SAFE,
  Shell: SAFE,
  StdinOnce: SAFE,
  StopSignal: SAFE,
  StopTimeout: SAFE,
  Tty: SAFE,
  User: SAFE,
  Volumes: SAFE,
  WorkingDir: SAFE,
};

export const HOST_CONFIG = fields({
  ...RESOURCES,
  Annotations: admin('OCI annotations are read by the runtime on the host'),
  AutoRemove: SAFE,
  Binds: BINDS,
  CapAdd: CAP_ADD,
  CapDrop: SAFE,
  Cgroup: namespaceMode('Cgroup', ['']),
  CgroupnsMode: namespaceMode('CgroupnsMode', ['', 'private']),
  ConsoleSize: SAFE,
  ContainerIDFile: SAFE,
  Dns: SAFE,
  DnsOptions: SAFE,
  DnsSearch: SAFE,
  ExtraHosts: SAFE,
  GroupAdd: SAFE,
  IpcMode: namespaceMode('IpcMode', ['', 'none', 'private', 'shareable']),
  Isolation: SAFE,
  Links: LINKS,
  LogConfig: fields({ Type: LOG_DRIVER_NAME, Config: SAFE }),
  MaskedPaths: systemPaths('MaskedPaths'),
  Mounts: MOUNTS,
  NetworkMode: NETWORK_MODE,
  OomScoreAdj: admin('a negative score makes the host kill other processes first'),
  PidMode: namespaceMode('PidMode', ['']),
  PortBindings: SAFE,
  Privileged: PRIVILEGED,
  PublishAllPorts: SAFE,
  ReadonlyPaths: systemPaths('ReadonlyPaths'),
  ReadonlyRootfs: SAFE,
  RestartPolicy: SAFE,
  Runtime: admin('another OCI runtime on the host'),
  SecurityOpt: SECURITY_OPTIONS,
  ShmSize: SAFE,
  StorageOpt: admin('storage driver options of the host'),
  Sysctls: admin('kernel parameters'),
  Tmpfs: SAFE,
  UTSMode: namespaceMode('UTSMode', ['']),
  UsernsMode: namespaceMode('UsernsMode', ['']),
  VolumeDriver: VOLUME_DRIVER,
  VolumesFrom: VOLUMES_FROM,
});

export const CONTAINER_CREATE = fields({
  ...CONTAINER_CONFIG,
  HostConfig: HOST_CONFIG,
  NetworkingConfig: fields({ EndpointsConfig: ENDPOINTS }),
});

export const CONTAINER_UPDATE = fields({ ...RESOURCES, RestartPolicy: SAFE });

/** `POST /commit`'s body is the new image's config; the image is the caller's, the container untouched. */
export const COMMIT_CONFIG = fields({ ...CONTAINER_CONFIG, Image: SAFE });

export const EXEC_CREATE = fields({
  AttachStderr: SAFE,
  AttachStdin: SAFE,
  AttachStdout: SAFE,
  Cmd: SAFE,
  ConsoleSize: SAFE,
  Detach: SAFE,
  DetachKeys: SAFE,
  Env: SAFE,
  Privileged: PRIVILEGED,
  Tty: SAFE,
  User: SAFE,
  WorkingDir: SAFE,
});

export const EXEC_START = fields({ ConsoleSize: SAFE, Detach: SAFE, Tty: SAFE });
