/**
 * `npm run bench:cluster` (second part; alone: `npm run bench:cluster-fanout`): one Docker API over three
 * nodes, as issue #13 asks to measure it. Three nodes on this machine (a manager from `stevedore up`, two
 * workers from `stevedore join` with their agents: cluster-harness.ts), each engine holding
 * `--containers` containers (100; created, not started). Side by side, interleaved, one at a time:
 * `GET /containers/json?all=1` through the controller with the administrator's client bundle (mutual TLS,
 * fanned out to the three engines, two of them through their agents' engine proxies, and merged), and the
 * same call made directly to each node's engine on its unix socket, one at a time and all three at once.
 * Prints p50/p99 of each, the ratio to the slowest node's own answer (goal: at most 1.3x) and to the three
 * asked at once (on one machine the three engines share two cores, which separate machines would not: the
 * `[floor]` row), and the time from `stevedore join` to Ready.
 * Options: --containers N (100), --samples N (200).
 */
import { Agent, request } from 'node:https';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTestImage, copyImage, type ClusterNode } from '@stevedore/testkit';
import { ADMIN_PASSWORD, startManagedCluster, until } from '../src/commands/cluster-harness.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const CONTAINERS = flag('containers', 100);
const SAMPLES = flag('samples', 200);
const TAG = 'stevedore/busybox:test';
const MAX_RATIO = 1.3;

const percentile = (samples: readonly number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const ms = (v: number) => v.toFixed(1).padStart(7);

const managed = await startManagedCluster(3, { prefix: 'stevedore-fanout-bench-' });
try {
  const [manager, ...workers] = managed.nodes.nodes as [ClusterNode, ClusterNode, ClusterNode];
  process.stdout.write(`3 nodes up; ${CONTAINERS} containers on each, ${SAMPLES} samples per figure\n`);
  await buildTestImage(manager.engine, TAG);
  await copyImage(
    manager.engine,
    workers.map((w) => w.engine),
    TAG,
  );
  const token = await managed.workerToken();
  const joinToReady: number[] = [];
  for (const worker of workers) {
    const started = Date.now();
    const joined = await managed.join(worker, token, { agent: true });
    if (joined.code !== 0) throw new Error(`join failed:\n${joined.stdout}\n${joined.stderr}`);
    await until(`${worker.name} Ready`, async () => {
      const { stdout } = await manager.engine.docker(['node', 'ls', '--format', '{{.Hostname}} {{.Status}}']);
      return stdout.includes(`${worker.name} Ready`) ? true : undefined;
    });
    joinToReady.push(Date.now() - started);
    await managed.waitServing(worker);
  }
  for (const node of managed.nodes.nodes) {
    for (let i = 0; i < CONTAINERS; i++) {
      const made = await node.engine.request('POST', `/containers/create?name=c${i}`, {
        Image: TAG,
        Cmd: ['true'],
        Labels: { 'io.stevedore.collection': '/Shared', 'bench.index': String(i) },
      });
      if (made.status !== 201) throw new Error(`create on ${node.name}: ${made.status}`);
    }
  }
  const login = await managed.api('POST', '/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  const bundle = await managed.clientBundle(
    await mkdtemp(join(managed.dataDirOf(manager), 'bundle-')),
    login.json<{ auth_token: string }>().auth_token,
  );
  const env = await readFile(join(bundle, 'env.sh'), 'utf8');
  const host = /DOCKER_HOST=tcp:\/\/([^\s]+)/.exec(env)?.[1];
  if (!host) throw new Error(`no DOCKER_HOST in the bundle's env.sh:\n${env}`);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 1,
    ca: await readFile(join(bundle, 'ca.pem')),
    cert: await readFile(join(bundle, 'cert.pem')),
    key: await readFile(join(bundle, 'key.pem')),
  });
  const [hostname, port] = [
    host.slice(0, host.lastIndexOf(':')),
    Number(host.slice(host.lastIndexOf(':') + 1)),
  ];
  const throughController = () =>
    new Promise<{ ms: number; count: number }>((resolve, reject) => {
      const started = performance.now();
      const req = request({ host: hostname, port, path: '/v1.41/containers/json?all=1', agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const elapsed = performance.now() - started;
          if (res.statusCode !== 200) return reject(new Error(`controller: ${res.statusCode}`));
          resolve({ ms: elapsed, count: (JSON.parse(Buffer.concat(chunks).toString()) as unknown[]).length });
        });
      });
      req.on('error', reject);
      req.end();
    });
  const direct = async (node: ClusterNode) => {
    const started = performance.now();
    const answer = await node.engine.request('GET', '/containers/json?all=1');
    if (answer.status !== 200) throw new Error(`${node.name}: ${answer.status}`);
    return performance.now() - started;
  };
  // The controller answers for all three (and learns its members) before anything is timed.
  const expected = 3 * CONTAINERS + 0;
  await until('the controller listing every node', async () => {
    const { count } = await throughController();
    return count >= expected ? true : undefined;
  });
  for (let i = 0; i < 20; i++) {
    await throughController();
    for (const node of managed.nodes.nodes) await direct(node);
  }
  const controller: number[] = [];
  const together: number[] = [];
  const nodes = new Map<string, number[]>(managed.nodes.nodes.map((n) => [n.name, []]));
  for (let i = 0; i < SAMPLES; i++) {
    controller.push((await throughController()).ms);
    for (const node of managed.nodes.nodes) nodes.get(node.name)!.push(await direct(node));
    // The three engines asked at once: on one machine they share its cores, which separate machines
    // would not; this is the least a fan-out can take here.
    const started = performance.now();
    await Promise.all(managed.nodes.nodes.map((node) => direct(node)));
    together.push(performance.now() - started);
  }
  const rows = [...nodes].map(([name, samples]) => ({
    name: `${name}, its engine directly`,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
  }));
  const slowest = {
    p50: Math.max(...rows.map((r) => r.p50)),
    p99: Math.max(...rows.map((r) => r.p99)),
  };
  const through = { p50: percentile(controller, 50), p99: percentile(controller, 99) };
  const floor = { p50: percentile(together, 50), p99: percentile(together, 99) };
  process.stdout.write(
    [
      '',
      `## GET /containers/json?all=1, 3 nodes x ${CONTAINERS} containers (ms)`,
      '',
      '| | p50 | p99 |',
      '| --- | ---: | ---: |',
      ...rows.map((r) => `| ${r.name} | ${ms(r.p50)} | ${ms(r.p99)} |`),
      `| all three engines directly, at once [floor on one machine] | ${ms(floor.p50)} | ${ms(floor.p99)} |`,
      `| through the controller (all ${3 * CONTAINERS}, merged) | ${ms(through.p50)} | ${ms(through.p99)} |`,
      `| ratio to the slowest node | ${(through.p50 / slowest.p50).toFixed(2)}x | ${(through.p99 / slowest.p99).toFixed(2)}x |`,
      `| ratio to the floor | ${(through.p50 / floor.p50).toFixed(2)}x | ${(through.p99 / floor.p99).toFixed(2)}x |`,
      '',
      `goal: at most ${MAX_RATIO}x: p50 ${through.p50 / slowest.p50 <= MAX_RATIO ? 'met' : 'missed'}, p99 ${through.p99 / slowest.p99 <= MAX_RATIO ? 'met' : 'missed'}`,
      `stevedore join to Ready in docker node ls: ${joinToReady.map((v) => `${(v / 1000).toFixed(1)} s`).join(', ')} (goal: under 20 s)`,
      '',
    ].join('\n'),
  );
  agent.destroy();
} finally {
  await managed.stop();
}
