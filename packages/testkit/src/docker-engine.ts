/**
 * A private Docker Engine for one test: its own dockerd (and the containerd it spawns), socket, data root,
 * exec root, pid file, config file, cgroup parent and bridges, all under a fresh /tmp/stevedore-dockerd-*
 * dir. The machine's own daemon (/var/run/docker.sock, /var/lib/docker, /etc/docker/daemon.json,
 * ~/.docker) is never read, used or changed.
 *
 * Networking decisions (see docker-network.ts for the address plan):
 * - By default dockerd runs in the host network namespace, so the engine reaches registries on 127.0.0.1
 *   (pushes and pulls are made by the daemon, not by containers) and `docker swarm init` can advertise
 *   127.0.0.1.
 * - `--iptables=false`: with iptables on, every dockerd deletes and re-creates the shared DOCKER,
 *   DOCKER-USER and DOCKER-ISOLATION-* chains at start and rewrites NAT/FORWARD rules, so two engines (or the
 *   host's own) would clobber each other, and a crashed test would leave rules behind. Without it we lose
 *   outbound NAT (there is no internet here anyway) and iptables port publishing; published ports still
 *   work through docker-proxy on the host, and containers reach the host at `hostAddress`.
 * - `--ip-forward=false`: a host-wide sysctl we have no business flipping; containers talk to the host and to
 *   each other over their bridge, which needs no forwarding. (`docker run` prints a warning about it.)
 * - Swarm: docker_gwbridge is created first on the engine's own bridge name and subnet, and the swarm
 *   listens on 127.0.0.1 with a free TCP port and its own VXLAN data-path port, so two swarm engines on one
 *   machine do not fight over `docker_gwbridge`, :2377 or the VXLAN socket of :4789. Services and overlay
 *   networks work; the ingress routing mesh does not forward without iptables, so services that must be
 *   reached from the host publish with `mode=host` (served by docker-proxy).
 * - In a network namespace (`networkNamespace`, used by cluster-nodes.ts for several nodes on one machine)
 *   dockerd is started as `nsenter --net=/run/netns/NAME -- dockerd …` (`ip netns exec` would remount /sys
 *   and hide the cgroup mounts dockerd needs). The namespace has its own bridges, so dockerd makes its own
 *   docker0 there and no host bridge or slot is taken; the swarm listens on the namespace's address at the
 *   standard ports, which are the namespace's own.
 * - `hostname` and `privateCertsDir` put dockerd in its own UTS and mount namespaces (`unshare --uts --mount
 *   --propagation private`): the hostname is what `docker node ls` shows, and a dir under the engine's temp
 *   dir is bind-mounted over /etc/docker, so the registry trust dockerd reads from /etc/docker/certs.d (and
 *   that `stevedore join` run on the node writes there) is the engine's own. The host's /etc/docker is never
 *   written (only created, empty, if missing, as a mount point). Mounts dockerd makes in that namespace are
 *   invisible to the host and vanish with its processes.
 *
 * Lifecycle invariants:
 * - `stop()` is idempotent and always cleans up, however far start got.
 * - A process 'exit' hook kills and cleans up engines that were never stopped.
 * - dockerd is started through `setpriv --pdeathsig SIGTERM` when available, so it stops even if the test
 *   process is SIGKILLed; what such a run leaves (temp dir, cgroups, bridges) is swept by the next engine
 *   started on the machine (docker-sweep.ts).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { FailedPreconditionError, UnavailableError } from '@stevedore/errors';
import { ensureBinary, findBinary } from './install.js';
import { freePort } from './free-port.js';
import { dockerEnv, runDockerCli } from './docker-cli.js';
import type { DockerCliOptions, DockerCliResult } from './docker-cli.js';
import { engineRequest } from './docker-request.js';
import type { EngineRequestOptions, EngineResponse } from './docker-request.js';
import { allocateEngineNetwork, isAlive } from './docker-network.js';
import type { EngineNetwork } from './docker-network.js';
import { releaseEngineResourcesSync, sleepSync } from './docker-cleanup.js';
import type { EngineResources } from './docker-cleanup.js';
import { freeUdpPort } from './free-udp-port.js';
import { ENGINE_DIR_PARENT, ENGINE_DIR_PREFIX, OWNER_FILE, sweepStaleEngines } from './docker-sweep.js';
import { requireIntegrationTier } from './tier.js';

export interface DockerEngineOptions {
  /** Initialise a single-node swarm (this engine is its manager). */
  readonly swarm?: boolean;
  /** `--insecure-registry` entries (host:port or CIDR); 127.0.0.0/8 is insecure already. */
  readonly insecureRegistries?: string[];
  /** How long to wait for `/_ping`; default 60 s. */
  readonly startTimeoutMs?: number;
  /** Run dockerd in network namespace /run/netns/NAME (made with `ip netns add`, addressed, routed). */
  readonly networkNamespace?: string;
  /** dockerd's hostname (its own UTS namespace): the node name a swarm shows. */
  readonly hostname?: string;
  /** Give dockerd its own /etc/docker (and so certs.d), bind-mounted from the engine dir: see `certsDir`. */
  readonly privateCertsDir?: boolean;
  /** Extra environment for dockerd, e.g. DOCKER_SERVICE_PREFER_OFFLINE_IMAGE. */
  readonly daemonEnv?: Record<string, string>;
}

export interface DockerEngine {
  /** `unix://<socketPath>`, for DOCKER_HOST. */
  readonly host: string;
  readonly socketPath: string;
  readonly dataRoot: string;
  /** DOCKER_HOST plus a private DOCKER_CONFIG dir: spread over a DOCKER_*-free env to spawn the CLI. */
  readonly env: Record<string, string>;
  /** The engine's own Linux bridge (dockerd --bridge), removed by `stop()`. */
  readonly bridge: string;
  /** The host's address on that bridge: where containers reach servers on the host. */
  readonly hostAddress: string;
  /** dockerd's log (stdout and stderr), kept until `stop()`. */
  readonly logPath: string;
  readonly swarm: boolean;
  /** dockerd's pid; with `hostname` or `privateCertsDir`, /proc/<pid>/ns/{mnt,uts} are the engine's own. */
  readonly pid: number;
  /** With `privateCertsDir`: the host-side path of what dockerd sees as /etc/docker/certs.d. */
  readonly certsDir: string | undefined;
  /** Run the docker CLI against this engine only. Rejects with a DockerCliError (args, exit code, stderr). */
  docker(args: string[], options?: DockerCliOptions): Promise<DockerCliResult>;
  /** One Engine API request over the unix socket. A Buffer body is sent raw, anything else as JSON. */
  request(
    method: string,
    path: string,
    body?: unknown,
    options?: EngineRequestOptions,
  ): Promise<EngineResponse>;
  stop(): Promise<void>;
}

const runFile = promisify(execFile);

/** Directories dockerd, containerd and the shims look in; a non-login PATH often lacks the sbin ones. */
const DAEMON_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface LiveEngine {
  child: ChildProcess | undefined;
  resources: EngineResources;
}

const live = new Set<LiveEngine>();
/** Once per process: clear what engines of dead test processes left behind. */
let sweeping: Promise<void> | undefined;
let exitHookInstalled = false;

/** Synchronous last resort for engines a test forgot (or never got) to stop. */
function teardownOnExit(): void {
  for (const engine of live) {
    const pid = engine.child?.pid;
    // SIGKILL at once: a graceful dockerd shutdown takes seconds, and everything it would tidy up (shims,
    // containers, mounts, cgroups, bridges, the temp dir) is ours to remove below anyway.
    if (pid !== undefined && engine.child?.exitCode === null && isAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 40 && isAlive(pid); i++) sleepSync(25);
    }
    releaseEngineResourcesSync(engine.resources);
  }
  live.clear();
}

function logTail(logPath: string, lines = 25): string {
  try {
    return readFileSync(logPath, 'utf8')
      .split('\n')
      .filter((l) => l && !l.includes('module=grpc') && !l.includes('loading plugin'))
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no dockerd log)';
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function waitForPing(socketPath: string, child: ChildProcess, timeoutMs: number, logPath: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new UnavailableError(
        `dockerd exited (${child.exitCode ?? child.signalCode}) before it was ready; its log ends:\n${logTail(logPath)}`,
      );
    }
    try {
      const res = await engineRequest(socketPath, 'GET', '/_ping', undefined, { timeoutMs: 2000 });
      if (res.status === 200) return;
    } catch {
      // socket not there yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new UnavailableError(
    `dockerd did not answer /_ping within ${timeoutMs} ms; its log ends:\n${logTail(logPath)}`,
  );
}

async function initSwarm(
  request: DockerEngine['request'],
  net: EngineNetwork | NamespaceNetwork,
): Promise<void> {
  if ('namespaceAddress' in net) {
    // The namespace's own ports and bridges: nothing to share, so Docker's defaults do.
    const addr = net.namespaceAddress;
    const init = { ListenAddr: `${addr}:2377`, AdvertiseAddr: addr };
    const res = await request('POST', '/swarm/init', init, { timeoutMs: 60_000 });
    if (res.status === 200) return;
    throw new UnavailableError(`docker swarm init failed (${res.status}): ${res.body.toString()}`);
  }
  const gw = await request('POST', '/networks/create', {
    Name: 'docker_gwbridge',
    Driver: 'bridge',
    CheckDuplicate: true,
    IPAM: { Config: [{ Subnet: net.gatewaySubnet }] },
    Options: {
      'com.docker.network.bridge.name': net.gatewayBridge,
      'com.docker.network.bridge.enable_icc': 'false',
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
    },
  });
  if (gw.status !== 201) {
    throw new UnavailableError(`creating docker_gwbridge failed (${gw.status}): ${gw.body.toString()}`);
  }
  // freePort and freeUdpPort are free "a moment ago": if another process took one in between, try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort('127.0.0.1');
    const res = await request(
      'POST',
      '/swarm/init',
      {
        ListenAddr: `127.0.0.1:${port}`,
        AdvertiseAddr: `127.0.0.1:${port}`,
        DataPathPort: await freeUdpPort(),
      },
      { timeoutMs: 60_000 },
    );
    if (res.status === 200) return;
    const message = res.body.toString();
    if (attempt >= 3 || !/address already in use/i.test(message)) {
      throw new UnavailableError(`docker swarm init failed (${res.status}): ${message}`);
    }
  }
}

/** Where a dockerd in a network namespace listens and finds the host (its default gateway). */
interface NamespaceNetwork {
  readonly namespaceAddress: string;
  readonly hostAddress: string;
}

async function namespaceNetwork(name: string): Promise<NamespaceNetwork> {
  const ip = async (args: string[]) => (await runFile('ip', ['-n', name, '-4', '-j', ...args])).stdout;
  const links = JSON.parse(await ip(['addr', 'show', 'scope', 'global'])) as {
    addr_info?: { local?: string }[];
  }[];
  const routes = JSON.parse(await ip(['route', 'show', 'default'])) as { gateway?: string }[];
  const namespaceAddress = links.flatMap((l) => l.addr_info ?? []).find((a) => a.local)?.local;
  const hostAddress = routes.find((r) => r.gateway)?.gateway;
  if (!namespaceAddress || !hostAddress) {
    throw new FailedPreconditionError(
      `network namespace ${name} needs a global IPv4 address and a default route before dockerd starts in it`,
    );
  }
  return { namespaceAddress, hostAddress };
}

/** Run in dockerd's new UTS and mount namespaces: `sh -c SCRIPT sh HOSTNAME ETC_DIR dockerd ARGS…`. */
const UNSHARED_SCRIPT =
  'set -e; [ -z "$1" ] || hostname "$1"; [ -z "$2" ] || mount --bind "$2" /etc/docker; shift 2; exec "$@"';

/**
 * The command line that starts dockerd. setpriv is outermost and nsenter, unshare and sh all exec without
 * forking, so the spawned pid is dockerd's own and the parent-death signal reaches it.
 */
async function dockerdCommand(
  dockerd: string,
  args: string[],
  options: DockerEngineOptions,
  etcDir: string | undefined,
): Promise<[string, string[]]> {
  let argv = [dockerd, ...args];
  if (options.hostname !== undefined || etcDir !== undefined) {
    const unshare = await ensureBinary('unshare', 'util-linux');
    const wrap = ['--uts', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', UNSHARED_SCRIPT];
    argv = [unshare, ...wrap, 'sh', options.hostname ?? '', etcDir ?? '', ...argv];
  }
  if (options.networkNamespace !== undefined) {
    const nsenter = await ensureBinary('nsenter', 'util-linux');
    argv = [nsenter, `--net=/run/netns/${options.networkNamespace}`, '--', ...argv];
  }
  const setpriv = await findBinary('setpriv');
  if (setpriv) return [setpriv, ['--pdeathsig', 'SIGTERM', '--', ...argv]];
  return [argv[0] ?? dockerd, argv.slice(1)];
}

/** Starts a private dockerd and resolves once it answers `/_ping` (and, with `swarm`, leads a swarm). */
export async function startDockerEngine(options: DockerEngineOptions = {}): Promise<DockerEngine> {
  requireIntegrationTier('a Docker Engine');
  if (process.getuid?.() !== 0) {
    throw new FailedPreconditionError(
      'a private Docker Engine needs root (dockerd mounts overlays and creates bridges); run the tests as root',
    );
  }
  const dockerd = await ensureBinary('dockerd', 'docker.io');
  const cli = await ensureBinary('docker', 'docker.io');

  sweeping ??= sweepStaleEngines().catch(() => undefined);
  await sweeping;

  // /tmp, not os.tmpdir(): unix socket paths (containerd's lives under the exec root) must stay < 108 bytes.
  const dir = await mkdtemp(join(ENGINE_DIR_PARENT, ENGINE_DIR_PREFIX));
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
  const engineState: LiveEngine = {
    child: undefined,
    resources: { dir, cgroupParent: basename(dir), network: undefined },
  };
  live.add(engineState);
  if (!exitHookInstalled) {
    process.on('exit', teardownOnExit);
    exitHookInstalled = true;
  }

  const socketPath = join(dir, 'docker.sock');
  const dataRoot = join(dir, 'data');
  const logPath = join(dir, 'dockerd.log');
  const configDir = join(dir, 'cli');
  const env = { DOCKER_HOST: `unix://${socketPath}`, DOCKER_CONFIG: configDir };
  const request: DockerEngine['request'] = (method, path, body, reqOptions) =>
    engineRequest(socketPath, method, path, body, reqOptions);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopEngine(engineState, request, options.swarm === true));

  try {
    // In a namespace the host's bridges and slots are not ours to take: dockerd makes docker0 in there.
    const namespace = options.networkNamespace;
    const net: EngineNetwork | NamespaceNetwork =
      namespace === undefined ? await allocateEngineNetwork() : await namespaceNetwork(namespace);
    if ('bridge' in net) engineState.resources = { ...engineState.resources, network: net };
    const etcDir = options.privateCertsDir ? join(dir, 'etc-docker') : undefined;
    if (etcDir) {
      await mkdir(join(etcDir, 'certs.d'), { recursive: true });
      // The bind mount needs a mount point; Debian's docker.io package ships an empty /etc/docker anyway.
      await mkdir('/etc/docker', { recursive: true });
    }
    await mkdir(configDir);
    // Our own (nearly empty) daemon.json keeps /etc/docker/daemon.json out; the trust key would otherwise
    // be written to /etc/docker/key.json, and it has no flag, only this config key.
    const daemonJson = join(dir, 'daemon.json');
    await writeFile(daemonJson, JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json') }));

    const args = [
      `--host=unix://${socketPath}`,
      `--data-root=${dataRoot}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'dockerd.pid')}`,
      `--config-file=${daemonJson}`,
      ...('bridge' in net
        ? [`--bridge=${net.bridge}`, `--default-address-pool=base=${net.addressPool},size=24`]
        : []),
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      '--storage-driver=overlay2',
      `--cgroup-parent=/${engineState.resources.cgroupParent}`,
      // Containers that ignore SIGTERM (a `sleep` as pid 1) would otherwise hold shutdown for 15 s.
      '--shutdown-timeout=2',
      ...(options.insecureRegistries ?? []).map((r) => `--insecure-registry=${r}`),
    ];
    const [command, commandArgs] = await dockerdCommand(dockerd, args, options, etcDir);
    const logFd = openSync(logPath, 'a');
    try {
      engineState.child = spawn(command, commandArgs, {
        stdio: ['ignore', logFd, logFd],
        env: dockerEnv({ PATH: DAEMON_PATH }, options.daemonEnv),
      });
    } finally {
      closeSync(logFd);
    }
    // A forgotten engine must not keep the test process alive; the exit hook cleans it up instead.
    engineState.child.unref();
    engineState.child.on('error', () => undefined);

    await waitForPing(socketPath, engineState.child, options.startTimeoutMs ?? 60_000, logPath);
    if (options.swarm) await initSwarm(request, net);

    return {
      host: env.DOCKER_HOST,
      socketPath,
      dataRoot,
      env,
      bridge: 'bridge' in net ? net.bridge : 'docker0',
      hostAddress: net.hostAddress,
      logPath,
      swarm: options.swarm === true,
      pid: engineState.child.pid ?? -1,
      certsDir: etcDir && join(etcDir, 'certs.d'),
      docker: (dockerArgs, cliOptions) => runDockerCli(cli, env, dockerArgs, cliOptions),
      request,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function stopEngine(
  engine: LiveEngine,
  request: DockerEngine['request'],
  swarm: boolean,
): Promise<void> {
  const child = engine.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    // Best effort: a daemon that does not answer is killed below anyway.
    try {
      if (swarm) await request('POST', '/swarm/leave?force=true', undefined, { timeoutMs: 30_000 });
      const running = await request('GET', '/containers/json', undefined, { timeoutMs: 10_000 });
      if (running.status === 200) {
        const ids = running.json<{ Id: string }[]>().map((c) => c.Id);
        await Promise.all(
          ids.map((id) => request('POST', `/containers/${id}/kill`, undefined, { timeoutMs: 10_000 })),
        );
      }
    } catch {
      // fall through to signals
    }
    child.kill('SIGTERM');
    if (!(await exited(child, 20_000))) {
      child.kill('SIGKILL');
      await exited(child, 5_000);
    }
  }
  releaseEngineResourcesSync(engine.resources);
  live.delete(engine);
}
