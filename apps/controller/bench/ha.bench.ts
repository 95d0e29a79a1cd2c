/**
 * `npm run bench:ha`: the REST API over the three Stores a cluster grows through, side by side in one run
 * on this machine: one controller on SQLite, one on a one-member etcd, and two controllers on a
 * three-member etcd cluster (requests alternate between them, as a load balancer in front of two managers
 * would send them). Writes create collections (a Store transaction, an audit entry, and the wait until the
 * access model shows the write); reads are `GET /api/v1/me` (the session and the user from the Store).
 * Then the Store's failover: five times, SIGKILL the etcd leader and time until the next write through
 * a controller succeeds, then bring the member back.
 *
 * Everything runs in this one process and on one machine (the etcd members share its two cores), so the
 * figures are for comparing the rows with each other, not absolute capacities.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openEtcdStore, openSqliteStore, type Store } from '@stevedore/store';
import { startEtcd, startEtcdCluster } from '@stevedore/testkit';
import { clusterKeyPath } from '@stevedore/pki';
import { startControlPlane, type ControlPlane } from '../src/index.js';
import { pkiDirOf } from '../src/cluster-pki.js';
import { percentile } from './report.js';

const PASSWORD = 'a bench password that is long';
const WRITES = Number(process.env['BENCH_WRITES'] ?? 400);
const READS = Number(process.env['BENCH_READS'] ?? 2000);
const CONCURRENCY = 8;
const KILLS = 5;

interface Caller {
  (method: string, path: string, body?: unknown): Promise<{ status: number; text: string }>;
}

function callerOf(plane: ControlPlane, token?: string): Caller {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: plane.clusterCaPem });
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, plane.url),
        {
          method,
          agent,
          headers: {
            ...(payload ? { 'content-type': 'application/json' } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}

async function adminCallers(planes: readonly ControlPlane[]): Promise<Caller[]> {
  const login = await callerOf(planes[0]!)('POST', '/auth/login', { username: 'admin', password: PASSWORD });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
  const token = (JSON.parse(login.text) as { auth_token: string }).auth_token;
  return planes.map((p) => callerOf(p, token));
}

/** `count` calls at CONCURRENCY, round-robin over the callers: calls per second and p99 latency. */
async function load(
  callers: readonly Caller[],
  count: number,
  call: (c: Caller, i: number) => Promise<{ status: number; text: string }>,
  okStatus: number,
): Promise<{ perSecond: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t = performance.now();
        const res = await call(callers[i % callers.length]!, i);
        if (res.status !== okStatus) throw new Error(`call ${i}: ${res.status} ${res.text}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, p99: percentile(latencies, 99) };
}

let run = 0;
async function measure(name: string, callers: readonly Caller[]) {
  const tag = `b${++run}`;
  const write = (c: Caller, i: number) => c('POST', '/api/v1/collections', { path: `/Shared/${tag}-${i}` });
  const read = (c: Caller) => c('GET', '/api/v1/me');
  await load(
    callers,
    40,
    (c, i) => c('POST', '/api/v1/collections', { path: `/Shared/${tag}-warm-${i}` }),
    201,
  );
  await load(callers, 200, read, 200);
  const writes = await load(callers, WRITES, write, 201);
  const reads = await load(callers, READS, read, 200);
  return { name, writes, reads };
}

async function startPlane(store: Store, dataDir: string): Promise<ControlPlane> {
  return startControlPlane({
    store,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'error' }),
    version: 'bench',
    adminPassword: PASSWORD,
  });
}

async function main() {
  const base = await mkdtemp(join(tmpdir(), 'stevedore-bench-ha-'));
  const rows = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    {
      const store = openSqliteStore({ path: join(base, 'sqlite.db') });
      const plane = await startPlane(store, join(base, 'sqlite'));
      cleanups.push(
        () => plane.close(),
        () => store.close(),
      );
      rows.push(await measure('one manager, SQLite', await adminCallers([plane])));
    }
    {
      const etcd = await startEtcd();
      const store = await openEtcdStore({ endpoints: [etcd.endpoint] });
      const plane = await startPlane(store, join(base, 'etcd1'));
      cleanups.push(
        () => plane.close(),
        () => store.close(),
        () => etcd.stop(),
      );
      rows.push(await measure('one manager, one etcd member', await adminCallers([plane])));
    }
    const cluster = await startEtcdCluster(3);
    cleanups.push(() => cluster.stop());
    const planes: ControlPlane[] = [];
    for (const name of ['m0', 'm1']) {
      const dataDir = join(base, `etcd3-${name}`);
      if (planes.length > 0) {
        await mkdir(pkiDirOf(dataDir), { recursive: true });
        await copyFile(clusterKeyPath(pkiDirOf(join(base, 'etcd3-m0'))), clusterKeyPath(pkiDirOf(dataDir)));
      }
      const store = await openEtcdStore({ endpoints: cluster.endpoints });
      const plane = await startPlane(store, dataDir);
      cleanups.push(
        () => plane.close(),
        () => store.close(),
      );
      planes.push(plane);
    }
    const callers = await adminCallers(planes);
    rows.push(await measure('two managers, three etcd members', callers));

    const failovers: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const health = await callers[0]!('GET', '/api/v1/cluster/health');
      const leader = (JSON.parse(health.text) as { store: { leader?: string } }).store.leader;
      const member = cluster.members.find((m) => m.name === leader)!;
      const killedAt = performance.now();
      await member.kill();
      for (let i = 0; ; i++) {
        const res = await callers[k % 2]!('POST', '/api/v1/collections', {
          path: `/Shared/failover-${k}-${i}`,
        });
        if (res.status === 201) break;
        if (performance.now() - killedAt > 60_000) throw new Error(`no write within 60 s: ${res.text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      failovers.push(performance.now() - killedAt);
      await member.start();
    }

    const base1 = rows[1]!;
    console.log(`\n## bench:ha (${WRITES} writes, ${READS} reads, ${CONCURRENCY} at a time)\n`);
    console.log('| setting | writes/s | write p99 ms | reads/s | read p99 ms | writes vs one etcd |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${r.writes.perSecond.toFixed(0)} | ${r.writes.p99.toFixed(1)} | ${r.reads.perSecond.toFixed(0)} | ${r.reads.p99.toFixed(1)} | ${(r.writes.perSecond / base1.writes.perSecond).toFixed(2)}x |`,
      );
    }
    const sorted = [...failovers].sort((a, b) => a - b);
    console.log(
      `\netcd leader SIGKILL to the next successful write through a controller, ${KILLS} kills: ` +
        `median ${(sorted[Math.floor(KILLS / 2)]! / 1000).toFixed(2)} s, max ${(sorted.at(-1)! / 1000).toFixed(2)} s ` +
        `(${sorted.map((ms) => (ms / 1000).toFixed(2)).join(', ')}); goal ≤ 5 s`,
    );
    console.log(
      `three-member write throughput / one member: ${(rows[2]!.writes.perSecond / base1.writes.perSecond).toFixed(2)}x (goal ≥ 0.5x)`,
    );
  } finally {
    // Last started, first stopped: each controller before its Store, each Store before its etcd.
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }
}

await main();
