/**
 * Several Docker nodes on one machine, for tests of what only a multi-node swarm shows (placement, joins,
 * per-node registry trust): each node is a network namespace with its own private dockerd
 * (docker-engine.ts with `networkNamespace`, `hostname` and `privateCertsDir`), all on one host bridge.
 *
 *   slot s (0..63) ─ bridge stvn<s>, 10.240.<s>.1/24 on the host, alias "stevedore-nodes pid=<owner>"
 *                  ├ veth stvn<s>v0 ─ netns stevedore-n<s>-0: eth0 10.240.<s>.2/24, lo, default via .1
 *                  ├ veth stvn<s>v1 ─ netns stevedore-n<s>-1: eth0 10.240.<s>.3/24, …
 *                  └ iptables FORWARD -i stvn<s> -o stvn<s> -j ACCEPT, comment stevedore-nodes-<owner>
 *
 * Decisions:
 * - The bridge is the slot's claim, as in docker-network.ts: `ip link add` is atomic, so two test runs on
 *   one machine take different slots. It is made first and removed last, so a stevedore-n<s>-* namespace
 *   without its bridge is always a leftover.
 * - The host runs bridge-nf (bridged frames pass the host's FORWARD chain), so the bridge gets an ACCEPT
 *   rule of its own in case the policy is DROP. Nothing else on the host changes: no sysctl, no NAT.
 * - In each namespace (whose sysctls and netfilter tables are its own) ip_forward is on and traffic leaving
 *   eth0 from containers is masqueraded, so a container reaches other nodes and the host by address while
 *   dockerd keeps `--iptables=false`.
 * - The kernel has no IPVS: no routing mesh, no service VIPs. Services use `--endpoint-mode dnsrr` and
 *   `--publish mode=host`. Node dockerds get DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1, or every task first
 *   spends ~20 s trying to pull an image that is on the node already; images get there with `copyImage`.
 * - `node.run` enters the node's network, mount and UTS namespaces (those of its dockerd), so a command
 *   sees the node's address, hostname and private /etc/docker/certs.d, and `docker` talks to its engine.
 *
 * Lifecycle invariants: `stopAll()` is idempotent; a process 'exit' hook tears down clusters never stopped;
 * `sweepStaleClusterNodes()` (run at every start) removes what clusters of dead processes left.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { FailedPreconditionError, ResourceExhaustedError, UnavailableError } from '@stevedore/errors';
import { startDockerEngine } from './docker-engine.js';
import type { DockerEngine } from './docker-engine.js';
import { dockerEnv } from './docker-cli.js';
import { hostRoutes, isAlive, overlaps } from './docker-network.js';
import { ensureBinary, findBinary } from './install.js';
import { requireIntegrationTier } from './tier.js';

const runFile = promisify(execFile);

const SLOTS = 64;
const MAX_NODES = 200;
const ALIAS_PREFIX = 'stevedore-nodes pid=';
const COMMENT_PREFIX = 'stevedore-nodes-';

const bridgeOf = (slot: number) => `stvn${slot}`;
const namespaceOf = (slot: number, i: number) => `stevedore-n${slot}-${i}`;
const vethOf = (slot: number, i: number) => `stvn${slot}v${i}`;
const hostAddressOf = (slot: number) => `10.240.${slot}.1`;
const addressOf = (slot: number, i: number) => `10.240.${slot}.${i + 2}`;

export interface NodeRunOptions {
  /** Added last, over the node engine's DOCKER_HOST and DOCKER_CONFIG and the DOCKER_*-free process env. */
  readonly env?: Record<string, string>;
  readonly input?: string | Buffer;
  /** Default 60 s; then the command is killed and the call rejects. */
  readonly timeoutMs?: number;
}

export interface NodeRunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ClusterNode {
  readonly index: number;
  /** The node's hostname, so its name in `docker node ls`. */
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly engine: DockerEngine;
  /** Host-side path of the node's own /etc/docker/certs.d. */
  readonly certsDir: string;
  /** Runs a command on the node and resolves with its exit code and output (a non-zero code resolves). */
  run(command: string, args?: readonly string[], options?: NodeRunOptions): Promise<NodeRunResult>;
  /** Starts a long-running command on the node (stdout and stderr piped); killed by `stopAll()`. */
  spawn(command: string, args?: readonly string[], options?: Pick<NodeRunOptions, 'env'>): ChildProcess;
}

export interface ClusterTimings {
  /** Bridge, namespaces, veths and rules. */
  readonly networkMs: number;
  /** Until every dockerd answered /_ping (started side by side). */
  readonly enginesMs: number;
  /** Per worker (index 1…): from its join call's return to the manager listing it Ready. */
  readonly joinToReadyMs: readonly number[];
  /** From the start of startNodes to every node Ready (or to the engines up, without a swarm). */
  readonly readyMs: number;
}

export interface ClusterNodes {
  readonly slot: number;
  readonly nodes: readonly ClusterNode[];
  /** nodes[0]; with `swarm`, the swarm's only manager. */
  readonly manager: ClusterNode;
  readonly bridge: string;
  /** The host's address on the bridge: the nodes' default gateway. */
  readonly hostAddress: string;
  readonly subnet: string;
  readonly timings: ClusterTimings;
  stopAll(): Promise<void>;
}

export interface StartNodesOptions {
  /** Node 0 inits a swarm, the others join as workers; resolves once all are Ready. */
  readonly swarm?: boolean;
  /** How long to wait for every node to be Ready; default 90 s. */
  readonly readyTimeoutMs?: number;
  /** Per engine, passed to startDockerEngine; default 90 s (engines start side by side). */
  readonly startTimeoutMs?: number;
}

interface LiveCluster {
  readonly slot: number;
  readonly children: Set<ChildProcess>;
}

const live = new Set<LiveCluster>();
let exitHookInstalled = false;

/** A command for cleanup: never throws, so one failed step does not stop the rest. */
function quietly(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function forwardRule(slot: number, owner: number): string[] {
  const bridge = bridgeOf(slot);
  const comment = `${COMMENT_PREFIX}${owner}`;
  return ['FORWARD', '-i', bridge, '-o', bridge, '-m', 'comment', '--comment', comment, '-j', 'ACCEPT'];
}

function netnsNames(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}

/** Removes one slot's namespaces, veths and FORWARD rule, then (last: it is the claim) its bridge. */
function releaseSlotSync(slot: number, owner: number): void {
  for (const ns of netnsNames())
    if (ns.startsWith(`stevedore-n${slot}-`)) quietly('ip', ['netns', 'del', ns]);
  // A veth goes with its namespace once nothing holds that any more; deleting the host end is immediate.
  for (const link of readdirSync('/sys/class/net')) {
    if (new RegExp(`^stvn${slot}v\\d+$`).test(link)) quietly('ip', ['link', 'del', 'dev', link]);
  }
  while (quietly('iptables', ['-w', '-D', ...forwardRule(slot, owner)]));
  quietly('ip', ['link', 'del', 'dev', bridgeOf(slot)]);
}

function ownerOfBridge(bridge: string): number | undefined {
  try {
    const alias = readFileSync(`/sys/class/net/${bridge}/ifalias`, 'utf8').trim();
    return alias.startsWith(ALIAS_PREFIX) ? Number(alias.slice(ALIAS_PREFIX.length)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the bridges, namespaces and FORWARD rules of clusters whose owning process is dead (a SIGKILLed
 * test). Their dockerds died with it (parent-death signal); their engine dirs are swept by docker-sweep.ts.
 */
export function sweepStaleClusterNodes(): void {
  for (const link of readdirSync('/sys/class/net')) {
    const match = /^stvn(\d+)$/.exec(link);
    const owner = ownerOfBridge(link);
    // No alias yet: a cluster being set up right now.
    if (match && owner !== undefined && !isAlive(owner)) releaseSlotSync(Number(match[1]), owner);
  }
  let rules = '';
  try {
    rules = execFileSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' });
  } catch {
    // no iptables: no rules of ours either
  }
  for (const rule of rules.split('\n')) {
    const owner = new RegExp(`--comment "?${COMMENT_PREFIX}(\\d+)`).exec(rule)?.[1];
    if (owner && !isAlive(Number(owner)))
      quietly('iptables', ['-w', ...rule.replace(/^-A /, '-D ').split(' ')]);
  }
  for (const ns of netnsNames()) {
    const slot = /^stevedore-n(\d+)-\d+$/.exec(ns)?.[1];
    if (slot !== undefined && !existsSync(`/sys/class/net/${bridgeOf(Number(slot))}`)) {
      quietly('ip', ['netns', 'del', ns]);
    }
  }
}

function teardownOnExit(): void {
  for (const cluster of live) {
    for (const child of cluster.children) child.kill('SIGKILL');
    // The engines' own exit hook kills the dockerds; a namespace outlives `ip netns del` until they die.
    releaseSlotSync(cluster.slot, process.pid);
  }
  live.clear();
}

/** Claims the first free slot by creating its bridge, then addresses it and lets it forward. */
async function claimSlot(): Promise<number> {
  const routes = await hostRoutes();
  for (let slot = 0; slot < SLOTS; slot++) {
    const bridge = bridgeOf(slot);
    try {
      await runFile('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
    } catch {
      continue; // taken (a stale one was swept before we started)
    }
    if (routes.some((r) => overlaps(r, `${hostAddressOf(slot)}/24`))) {
      quietly('ip', ['link', 'del', 'dev', bridge]);
      continue; // a real network of the host's
    }
    return slot;
  }
  throw new ResourceExhaustedError(
    `all ${SLOTS} cluster node slots (bridges stvn0..stvn${SLOTS - 1}) are in use or overlap host routes; ` +
      'stop other multi-node tests, or run sweepStaleClusterNodes()',
  );
}

async function setUpNetwork(slot: number, count: number): Promise<void> {
  const ip = (...args: string[]) => runFile('ip', args);
  const bridge = bridgeOf(slot);
  const gateway = hostAddressOf(slot);
  await ip('link', 'set', 'dev', bridge, 'alias', `${ALIAS_PREFIX}${process.pid}`);
  await ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
  await ip('link', 'set', 'dev', bridge, 'up');
  await runFile('iptables', ['-w', '-I', ...forwardRule(slot, process.pid)]);
  for (let i = 0; i < count; i++) {
    const ns = namespaceOf(slot, i);
    const address = addressOf(slot, i);
    await ip('netns', 'add', ns);
    await ip('link', 'add', vethOf(slot, i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ip('link', 'set', 'dev', vethOf(slot, i), 'master', bridge, 'up');
    await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    await ip('-n', ns, 'link', 'set', 'dev', 'eth0', 'up');
    await ip('-n', ns, 'link', 'set', 'dev', 'lo', 'up');
    await ip('-n', ns, 'route', 'add', 'default', 'via', gateway);
    // /proc/sys/net is the opener's namespace's: this flips the node's ip_forward, not the host's.
    const inNs = ['--net=/run/netns/' + ns, '--'];
    await runFile('nsenter', [...inNs, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    await runFile('nsenter', [
      ...inNs,
      ...['iptables', '-w', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth0', '!', '-s', address],
      ...['-j', 'MASQUERADE'],
    ]);
  }
}

function nodeCommand(namespace: string, pid: number, command: string, args: readonly string[]): string[] {
  const ns = [`--net=/run/netns/${namespace}`, `--mount=/proc/${pid}/ns/mnt`, `--uts=/proc/${pid}/ns/uts`];
  return [...ns, '--', command, ...args];
}

function makeNode(
  index: number,
  namespace: string,
  address: string,
  engine: DockerEngine,
  nsenter: string,
  setpriv: string | undefined,
  children: Set<ChildProcess>,
): ClusterNode {
  const envOf = (env?: Record<string, string>) => dockerEnv(engine.env, env);
  const spawnOnNode = (command: string, args: readonly string[] = [], env?: Record<string, string>) => {
    const argv = nodeCommand(namespace, engine.pid, command, args);
    // setpriv (which execs, like nsenter) ties the child to the test process, as dockerd is.
    const [file, fileArgs] = setpriv
      ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', nsenter, ...argv]]
      : [nsenter, argv];
    const child = spawn(file, fileArgs, { env: envOf(env), stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    child.on('error', () => undefined);
    child.stdin.on('error', () => undefined);
    return child;
  };
  return {
    index,
    name: `node-${index}`,
    namespace,
    address,
    engine,
    certsDir: engine.certsDir ?? '',
    spawn: (command, args, options) => spawnOnNode(command, args, options?.env),
    run: (command, args = [], options = {}) =>
      new Promise((resolve, reject) => {
        const child = spawnOnNode(command, args, options.env);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout?.on('data', (c: Buffer) => out.push(c));
        child.stderr?.on('data', (c: Buffer) => err.push(c));
        const timeoutMs = options.timeoutMs ?? 60_000;
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.once('close', (code, signal) => {
          clearTimeout(timer);
          const stdout = Buffer.concat(out).toString('utf8');
          const stderr = Buffer.concat(err).toString('utf8');
          if (code !== null) return resolve({ code, stdout, stderr });
          const why = signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `was killed by ${signal}`;
          reject(new UnavailableError(`${command} ${args.join(' ')} on node-${index} ${why}: ${stderr}`));
        });
        child.stdin?.end(options.input);
      }),
  };
}

interface SwarmNode {
  Description: { Hostname: string };
  Status: { State: string };
}

/** Joins nodes 1… to node 0's swarm and waits until the manager lists every node Ready. */
async function formSwarm(nodes: readonly ClusterNode[], timeoutMs: number): Promise<number[]> {
  const [manager, ...workers] = nodes;
  if (!manager) return [];
  // Not startDockerEngine's `swarm`: its stop() would make the manager leave first, which can take 10 s.
  const init = await manager.engine.request(
    'POST',
    '/swarm/init',
    { ListenAddr: `${manager.address}:2377`, AdvertiseAddr: manager.address },
    { timeoutMs },
  );
  if (init.status !== 200) {
    throw new UnavailableError(`docker swarm init failed (${init.status}): ${init.body.toString()}`);
  }
  const swarm = await manager.engine.request('GET', '/swarm');
  const token = swarm.json<{ JoinTokens: { Worker: string } }>().JoinTokens.Worker;
  const joinedAt = await Promise.all(
    workers.map(async (node) => {
      const res = await node.engine.request(
        'POST',
        '/swarm/join',
        {
          ListenAddr: `${node.address}:2377`,
          AdvertiseAddr: node.address,
          RemoteAddrs: [`${manager.address}:2377`],
          JoinToken: token,
        },
        { timeoutMs },
      );
      if (res.status !== 200) {
        throw new UnavailableError(
          `${node.name} could not join the swarm (${res.status}): ${res.body.toString()}`,
        );
      }
      return Date.now();
    }),
  );
  const readyAt = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (readyAt.size < nodes.length) {
    const listed = (await manager.engine.request('GET', '/nodes')).json<SwarmNode[]>();
    for (const n of listed) {
      if (n.Status.State === 'ready' && !readyAt.has(n.Description.Hostname)) {
        readyAt.set(n.Description.Hostname, Date.now());
      }
    }
    if (readyAt.size >= nodes.length) break;
    if (Date.now() > deadline) {
      const states = listed.map((n) => `${n.Description.Hostname}=${n.Status.State}`).join(', ');
      throw new UnavailableError(`swarm nodes not all Ready within ${timeoutMs} ms: ${states || 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return workers.map((node, i) => (readyAt.get(node.name) ?? Date.now()) - (joinedAt[i] ?? 0));
}

/**
 * Starts `count` nodes, each a network namespace with its own dockerd, hostname (node-0, node-1, …) and
 * /etc/docker; with `swarm`, they form a swarm (node 0 the manager) before this resolves.
 */
export async function startNodes(count: number, options: StartNodesOptions = {}): Promise<ClusterNodes> {
  requireIntegrationTier('multi-node Docker clusters');
  if (process.getuid?.() !== 0) {
    throw new FailedPreconditionError('network namespaces and bridges need root; run the tests as root');
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) {
    throw new FailedPreconditionError(`startNodes takes 1..${MAX_NODES} nodes, not ${count}`);
  }
  const started = Date.now();
  await ensureBinary('ip', 'iproute2');
  await ensureBinary('iptables', 'iptables');
  const nsenter = await ensureBinary('nsenter', 'util-linux');
  const setpriv = await findBinary('setpriv');
  sweepStaleClusterNodes();

  const slot = await claimSlot();
  const cluster: LiveCluster = { slot, children: new Set() };
  live.add(cluster);
  if (!exitHookInstalled) {
    process.on('exit', teardownOnExit);
    exitHookInstalled = true;
  }
  const engines: DockerEngine[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const child of cluster.children) child.kill('SIGKILL');
      await Promise.all(engines.map((e) => e.stop()));
      releaseSlotSync(slot, process.pid);
      live.delete(cluster);
    })());

  try {
    await setUpNetwork(slot, count);
    const networkMs = Date.now() - started;
    const starts = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        startDockerEngine({
          networkNamespace: namespaceOf(slot, i),
          hostname: `node-${i}`,
          privateCertsDir: true,
          startTimeoutMs: options.startTimeoutMs ?? 90_000,
          daemonEnv: { DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' },
        }).then((engine) => {
          engines[i] = engine;
          return engine;
        }),
      ),
    );
    const failed = starts.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const enginesMs = Date.now() - started - networkMs;
    const nodes = engines.map((engine, i) =>
      makeNode(i, namespaceOf(slot, i), addressOf(slot, i), engine, nsenter, setpriv, cluster.children),
    );
    const joinToReadyMs = options.swarm ? await formSwarm(nodes, options.readyTimeoutMs ?? 90_000) : [];
    return {
      slot,
      nodes,
      manager: nodes[0] as ClusterNode,
      bridge: bridgeOf(slot),
      hostAddress: hostAddressOf(slot),
      subnet: `10.240.${slot}.0/24`,
      timings: { networkMs, enginesMs, joinToReadyMs, readyMs: Date.now() - started },
      stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Copies image `ref` from one engine to others (`docker save | docker load`, streamed to all at once). */
export async function copyImage(from: DockerEngine, to: readonly DockerEngine[], ref: string): Promise<void> {
  const docker = await ensureBinary('docker', 'docker.io');
  const collect = (child: ChildProcess, what: string) =>
    new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0
          ? resolve()
          : reject(new UnavailableError(`${what} of ${ref} failed (${code}): ${stderr}`)),
      );
    });
  const save = spawn(docker, ['save', ref], { env: dockerEnv(from.env), stdio: ['ignore', 'pipe', 'pipe'] });
  const loads = to.map((engine) =>
    spawn(docker, ['load', '--quiet'], { env: dockerEnv(engine.env), stdio: ['pipe', 'ignore', 'pipe'] }),
  );
  // One readable piped to several writables goes at the pace of the slowest.
  for (const load of loads) save.stdout.pipe(load.stdin);
  await Promise.all([collect(save, 'docker save'), ...loads.map((l) => collect(l, 'docker load'))]);
}
