/**
 * A private etcd cluster of n members on loopback, for the HA tests: each member has its own free client
 * and peer ports and its own data dir under one temp dir, and can be killed (SIGKILL) and started again on
 * the same data and ports, as a manager that died and came back.
 *
 * Invariants:
 * - `startEtcdCluster(n)` resolves once every member answers healthy (which needs a leader); a failed start
 *   stops what started and removes the temp dir (and tries new ports when one was taken meanwhile).
 * - `member.start()` rejoins the member on its old data (etcd's restart, not a new member); it resolves
 *   once the member is healthy, i.e. once a quorum is up again.
 * - `stop()` stops every member and removes the temp dir; it is idempotent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinary } from './install.js';
import { startMember, type EtcdProcess } from './etcd.js';
import { freePort } from './free-port.js';
import { requireIntegrationTier } from './tier.js';

export interface EtcdClusterMember {
  readonly name: string;
  readonly endpoint: string;
  readonly running: boolean;
  /** SIGKILL: no goodbye to the others. */
  kill(): Promise<void>;
  /** Starts it again on its data and ports; resolves once it is healthy. */
  start(): Promise<void>;
}

export interface EtcdCluster {
  readonly endpoints: readonly string[];
  readonly members: readonly EtcdClusterMember[];
  stop(): Promise<void>;
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export async function startEtcdCluster(size: number): Promise<EtcdCluster> {
  requireIntegrationTier('etcd');
  const binary = await ensureBinary('etcd', 'etcd-server');
  // A free port is free only "a moment ago": another process may take one first; new ports are worth
  // another try then (as startEtcd does).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary, size);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(binary: string, size: number): Promise<EtcdCluster> {
  const base = await mkdtemp(join(tmpdir(), 'stevedore-etcd-cluster-'));
  const ports = await distinctPorts(size * 2);
  const specs = Array.from({ length: size }, (_, i) => ({
    name: `m${i}`,
    dataDir: join(base, `m${i}`),
    clientPort: ports[2 * i]!,
    peerPort: ports[2 * i + 1]!,
  }));
  const initialCluster = specs.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  const processes: (EtcdProcess | undefined)[] = specs.map(() => undefined);
  const launch = async (i: number) => {
    processes[i] = await startMember(binary, { ...specs[i]!, initialCluster });
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await Promise.all(processes.map((p) => (p ? p.stop() : Promise.resolve())));
      await rm(base, { recursive: true, force: true });
    })();
    return stopped;
  };
  const started = await Promise.allSettled(specs.map((_, i) => launch(i)));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const members = specs.map((spec, i): EtcdClusterMember => ({
    name: spec.name,
    endpoint: `http://127.0.0.1:${spec.clientPort}`,
    get running() {
      return processes[i] !== undefined;
    },
    kill: async () => {
      const p = processes[i];
      processes[i] = undefined;
      await p?.kill();
    },
    start: async () => {
      if (processes[i]) return;
      await launch(i);
    },
  }));
  return { endpoints: members.map((m) => m.endpoint), members, stop };
}
