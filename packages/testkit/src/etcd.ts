/**
 * A private, single-member etcd for tests and benchmarks: free loopback client and peer ports, a temp data
 * dir, never the machine's own etcd.
 *
 * Invariants:
 * - `startEtcd()` resolves only once the member answers `/health` with `"health":"true"`, so callers can
 *   use the endpoint at once; if it does not become healthy, the process is stopped, the temp dir removed,
 *   and the error carries etcd's own last words (stderr tail).
 * - `stop()` is idempotent: SIGTERM, then SIGKILL after a timeout, then the data dir is removed, unless
 *   the caller passed its own `dataDir` (to restart etcd on the same data and ports: a watch-resume test).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnavailableError } from '@stevedore/errors';
import { ensureBinary } from './install.js';
import { freePort } from './free-port.js';
import { requireIntegrationTier } from './tier.js';

export interface EtcdInstance {
  /** Client URL, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface EtcdOptions {
  /** Use (and keep on stop) this data dir instead of a fresh temp dir. */
  readonly dataDir?: string;
  /** Fixed ports instead of free ones picked now (a restart must reuse the client URL its clients know). */
  readonly clientPort?: number;
  readonly peerPort?: number;
}

/** One member of a cluster (etcd-cluster.ts): its name and every member's peer URL, by name. */
export interface EtcdMemberOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** `name=http://127.0.0.1:port,…` for every member. */
  readonly initialCluster: string;
}

/** A member's process: stopped with SIGTERM (then SIGKILL), or killed outright. */
export interface EtcdProcess {
  readonly endpoint: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const HEALTHY_WITHIN_MS = 20_000;
const KILL_AFTER_MS = 5_000;

export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdInstance> {
  requireIntegrationTier('etcd');
  const binary = await ensureBinary('etcd', 'etcd-server');
  // freePort() answers a port that was free a moment ago; another process can bind it before etcd does.
  // Then etcd exits with "address already in use", and new free ports are worth another try.
  const fixedPorts = options.clientPort !== undefined || options.peerPort !== undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary, options);
    } catch (err) {
      if (fixedPorts || attempt >= 3 || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(binary: string, options: EtcdOptions): Promise<EtcdInstance> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'stevedore-etcd-')));
  const clientPort = options.clientPort ?? (await freePort());
  let peerPort = options.peerPort ?? (await freePort());
  // Two free ports asked for one after the other can be the same one.
  while (peerPort === clientPort && options.peerPort === undefined) peerPort = await freePort();
  const member = await startMember(binary, {
    name: 'test',
    dataDir,
    clientPort,
    peerPort,
    initialCluster: `test=http://127.0.0.1:${peerPort}`,
  }).catch(async (err: unknown) => {
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  const stop = async () => {
    await member.stop();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  };
  return { endpoint: member.endpoint, dataDir, stop };
}

/**
 * Starts one etcd process and waits until it answers healthy (with a cluster, that needs a quorum of its
 * members running: start them together). Fails with etcd's last words when it does not.
 */
export async function startMember(binary: string, options: EtcdMemberOptions): Promise<EtcdProcess> {
  const endpoint = `http://127.0.0.1:${options.clientPort}`;
  const peer = `http://127.0.0.1:${options.peerPort}`;
  const child = spawn(
    binary,
    [
      `--name=${options.name}`,
      `--data-dir=${options.dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=${options.initialCluster}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-level=error',
    ],
    // The machine's environment may carry ETCD_* settings meant for its own etcd; ours must not inherit them.
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD'))),
    },
  );
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
  });
  // 'close', not 'exit': by then stderr is read to its end, so a failed start's message has etcd's reason.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stopped: Promise<void> | undefined;
  const end = (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
        await exited;
        clearTimeout(timer);
      }
    })();
    return stopped;
  };
  const stop = () => end('SIGTERM');

  try {
    await waitHealthy(endpoint, exited);
  } catch (err) {
    await stop();
    throw new UnavailableError(
      `private etcd at ${endpoint} did not become healthy: ${(err as Error).message}\netcd stderr:\n${stderrTail}`,
      { cause: err },
    );
  }
  return { endpoint, stop, kill: () => end('SIGKILL') };
}

async function waitHealthy(endpoint: string, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (gone) throw new Error('etcd exited during startup');
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not healthy after ${HEALTHY_WITHIN_MS} ms`);
}
