/**
 * What `docker run -d -e A=b --cap-drop ALL --security-opt no-new-privileges --memory 100m --cpus 1
 * --health-cmd true --ulimit nofile=100:200 IMAGE sleep 1000` sends (captured from the docker CLI 28.2):
 * the body the create row posts, and the in-process cost of decoding it canonically.
 */
import { performance } from 'node:perf_hooks';
import { BODY_POLICIES, decodeBody, needsOf, serializeBody } from '@stevedore/docker-proxy';

export function cliCreateBody(image: string, labels: Record<string, string>): Record<string, unknown> {
  const body = structuredClone(CAPTURED) as Record<string, unknown>;
  return { ...body, Image: image, Labels: labels };
}

/** Median µs per body: canonical decode + policy walk + re-serialization, against JSON.parse + stringify. */
export function decodeCost(text: string): { bytes: number; canonicalUs: number; jsonParseUs: number } {
  const bytes = Buffer.from(text);
  const time = (fn: () => void) => {
    const runs: number[] = [];
    for (let round = 0; round < 15; round++) {
      const start = performance.now();
      for (let i = 0; i < 2000; i++) fn();
      runs.push(((performance.now() - start) * 1000) / 2000);
    }
    return runs.sort((a, b) => a - b)[7] ?? NaN;
  };
  const canonical = () => {
    const value = decodeBody('container.create', bytes, { allowUnknown: false });
    needsOf(BODY_POLICIES['container.create'], value);
    serializeBody(value);
  };
  const plain = () => JSON.stringify(JSON.parse(bytes.toString('utf8')));
  time(canonical);
  time(plain);
  return { bytes: bytes.length, canonicalUs: time(canonical), jsonParseUs: time(plain) };
}

const CAPTURED = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  ExposedPorts: null,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: ['A=b'],
  Cmd: ['sleep', '1000'],
  Healthcheck: {
    Test: ['CMD-SHELL', 'true'],
  },
  Image: 'IMAGE',
  Volumes: {},
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: {
    LABELS: 1,
  },
  HostConfig: {
    Binds: null,
    ContainerIDFile: '',
    LogConfig: {
      Type: '',
      Config: {},
    },
    NetworkMode: 'default',
    PortBindings: {},
    RestartPolicy: {
      Name: 'no',
      MaximumRetryCount: 0,
    },
    AutoRemove: false,
    VolumeDriver: '',
    VolumesFrom: null,
    ConsoleSize: [0, 0],
    CapAdd: null,
    CapDrop: ['ALL'],
    CgroupnsMode: '',
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: '',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: ['no-new-privileges'],
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 0,
    Isolation: '',
    CpuShares: 0,
    Memory: 104857600,
    NanoCpus: 1000000000,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: -1,
    OomKillDisable: false,
    PidsLimit: 0,
    Ulimits: [
      {
        Name: 'nofile',
        Hard: 200,
        Soft: 100,
      },
    ],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    Mounts: null,
    MaskedPaths: null,
    ReadonlyPaths: null,
  },
  NetworkingConfig: {
    EndpointsConfig: {},
  },
};
