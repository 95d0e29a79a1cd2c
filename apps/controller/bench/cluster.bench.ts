/**
 * `npm run bench:cluster`: one manager under many nodes, by simulation, as issue #13 plans past this
 * machine. The manager is a control plane in a process of its own (cluster-plane-process.ts: SQLite Store,
 * a private swarm engine); this process plays N simulated agents speaking the real agent protocol over
 * HTTPS: each makes a P-256 key, joins with the worker token and a CSR, and then reports every
 * `--report-every` seconds over mutual TLS with its node certificate (one keep-alive connection each),
 * with its components, at a random phase. What it prints:
 * - joins: time to admit N nodes (50 at a time), p50/p99 of one join;
 * - the manager's memory (V8 heap + external after a full collection, which it runs every 2 s, and RSS)
 *   at 0, ¼, ½, ¾ and all N nodes, and the bytes per node (least-squares slope of the heap);
 * - steady state for `--steady` seconds: reports handled per second and their p50/p99, the manager's CPU,
 *   and the p50/p99 of `GET /api/v1/cluster/nodes` and of a proxied `GET /services` (the dashboard's path
 *   through the Docker API proxy) sampled side by side, against the same `GET /services` made directly to
 *   the engine; the goal is a p99 of at most 360 ms (Docker's figure for Swarm at 1,000 nodes).
 * Not simulated: the agents' engines (a simulated agent reports no swarm node, as the manager checks that
 * claim against its swarm) and desired-state watches (agents read their role from their own engine).
 * Options: --nodes N (1000), --steady S (60), --report-every S (10), --quick (200 nodes, 20 s).
 */
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeyAndCsr } from '@stevedore/pki';
import { startDockerEngine, startLineChild } from '@stevedore/testkit';
import { percentile } from './report.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const quick = args.includes('--quick');
const NODES = flag('nodes', quick ? 200 : 1000);
const STEADY_S = flag('steady', quick ? 20 : 60);
const REPORT_EVERY_S = flag('report-every', 10);
const PLANE = fileURLToPath(new URL('./cluster-plane-process.ts', import.meta.url));
const TICKS_PER_S = 100;

interface Answer {
  status: number;
  text: string;
  ms: number;
}

function call(
  base: string,
  ca: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; agent?: Agent; socketPath?: string } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      {
        method,
        ca,
        ...(options.agent ? { agent: options.agent } : {}),
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** CPU seconds (user + system) and resident bytes of a process, from /proc. */
async function usage(pid: number): Promise<{ cpuS: number; rss: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuS: (Number(stat[11]) + Number(stat[12])) / TICKS_PER_S, rss: rssKb * 1024 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (v: number) => `${v.toFixed(1)} ms`;
const mib = (v: number) => `${(v / 2 ** 20).toFixed(1)} MiB`;

function slope(points: readonly [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return num / den;
}

interface SimulatedNode {
  readonly id: string;
  readonly agent: Agent;
}

async function main(): Promise<void> {
  const engine = await startDockerEngine({ swarm: true });
  const dataDir = await mkdtemp(join(tmpdir(), 'stevedore-bench-cluster-'));
  const plane = await startLineChild('the manager', PLANE, [dataDir, engine.host]);
  const nodes: SimulatedNode[] = [];
  try {
    const { url, ca, password } = JSON.parse(plane.line) as { url: string; ca: string; password: string };
    const login = await call(url, ca, 'POST', '/auth/login', { body: { username: 'admin', password } });
    const admin = (JSON.parse(login.text) as { auth_token: string }).auth_token;
    const { worker } = JSON.parse(
      (await call(url, ca, 'GET', '/api/v1/cluster/join-tokens', { token: admin })).text,
    ) as {
      worker: string;
    };
    // A few services, so that the proxied list has something to carry.
    for (let i = 0; i < 10; i++) {
      await engine
        .docker([
          'service',
          'create',
          '--detach',
          '--no-resolve-image',
          '--replicas',
          '0',
          '--name',
          `bench-${i}`,
          'stevedore/none:latest',
          'true',
        ])
        .catch(() => undefined);
    }
    process.stdout.write(
      `bench:cluster: ${NODES} simulated nodes, ${STEADY_S} s steady, a report every ${REPORT_EVERY_S} s\n`,
    );

    const memory: [number, number][] = [];
    const rssAt: number[] = [];
    const sampleMemory = async (count: number) => {
      await sleep(4_500); // two full collections in the manager, the last one after this step
      const m = JSON.parse(await readFile(join(dataDir, 'memory.json'), 'utf8')) as {
        heapUsed: number;
        external: number;
        rss: number;
      };
      memory.push([count, m.heapUsed + m.external]);
      rssAt.push(m.rss);
      process.stdout.write(
        `  ${String(count).padStart(5)} nodes: manager heap + external ${mib(m.heapUsed + m.external)}, RSS ${mib(m.rss)}\n`,
      );
    };
    await sampleMemory(0);

    const joinMs: number[] = [];
    const joinStarted = performance.now();
    const steps = new Set([0.25, 0.5, 0.75, 1].map((f) => Math.round(NODES * f)));
    for (let done = 0; done < NODES;) {
      const batch = Math.min(50, NODES - done);
      const joined = await Promise.all(
        Array.from({ length: batch }, async (_, k) => {
          const hostname = `sim-${done + k}`;
          const { keyPem, csrPem } = await createKeyAndCsr(hostname);
          const res = await call(url, ca, 'POST', '/api/v1/cluster/join', {
            body: {
              token: worker,
              csr: csrPem,
              hostname,
              address: `10.250.${(done + k) >> 8}.${(done + k) & 255}`,
            },
          });
          if (res.status !== 201) throw new Error(`join ${hostname}: ${res.status} ${res.text}`);
          joinMs.push(res.ms);
          const answer = JSON.parse(res.text) as { node: { id: string }; certificate: string };
          return {
            id: answer.node.id,
            agent: new Agent({ keepAlive: true, maxSockets: 1, ca, cert: answer.certificate, key: keyPem }),
          };
        }),
      );
      nodes.push(...joined);
      done += batch;
      if (steps.has(done)) await sampleMemory(done);
    }
    const joinS = (performance.now() - joinStarted) / 1000;

    // Steady state: every node reports at its own phase; the API is probed side by side meanwhile.
    const reportMs: number[] = [];
    let reportFailures = 0;
    let running = true;
    const components = [
      { name: 'engine-proxy', state: 'running', pid: 4242, restarts: 0, since: new Date().toISOString() },
    ];
    const reporters = nodes.map(async (node) => {
      await sleep(Math.random() * REPORT_EVERY_S * 1000);
      while (running) {
        const res = await call(url, ca, 'POST', '/api/v1/cluster/agent/report', {
          agent: node.agent,
          body: { agentVersion: 'bench', components },
        }).catch(() => ({ status: 0, text: '', ms: 0 }));
        if (res.status === 200) reportMs.push(res.ms);
        else reportFailures++;
        await sleep(REPORT_EVERY_S * 1000);
      }
    });
    const probes: Record<'nodes' | 'services (proxied)' | 'services (direct)', number[]> = {
      nodes: [],
      'services (proxied)': [],
      'services (direct)': [],
    };
    const before = await usage(plane.pid);
    const steadyStarted = performance.now();
    let nodesListed = 0;
    while (performance.now() - steadyStarted < STEADY_S * 1000) {
      const listed = await call(url, ca, 'GET', '/api/v1/cluster/nodes', { token: admin });
      probes.nodes.push(listed.ms);
      nodesListed = (JSON.parse(listed.text) as { items: unknown[] }).items.length;
      probes['services (proxied)'].push(
        (await call(url, ca, 'GET', '/api/docker/v1.41/services', { token: admin })).ms,
      );
      const direct = performance.now();
      await engine.request('GET', '/v1.41/services');
      probes['services (direct)'].push(performance.now() - direct);
      await sleep(200);
    }
    const steadyS = (performance.now() - steadyStarted) / 1000;
    const after = await usage(plane.pid);
    running = false;
    await Promise.race([Promise.all(reporters), sleep(REPORT_EVERY_S * 1000 + 5_000)]);

    const perNode = slope(memory);
    const lines = [
      '',
      `joins: ${NODES} nodes in ${joinS.toFixed(1)} s (${(NODES / joinS).toFixed(0)}/s, 50 at a time); one join p50 ${ms(percentile(joinMs, 50))}, p99 ${ms(percentile(joinMs, 99))}`,
      `memory: manager heap + external ${mib(memory[0]![1])} with no nodes, ${mib(memory.at(-1)![1])} with ${NODES}: ${(perNode / 1024).toFixed(1)} KiB per node (least-squares slope over ${memory.length} points); RSS ${mib(rssAt[0]!)} → ${mib(rssAt.at(-1)!)}`,
      `reports: ${(reportMs.length / steadyS).toFixed(1)}/s handled (${reportFailures} failed), p50 ${ms(percentile(reportMs, 50))}, p99 ${ms(percentile(reportMs, 99))}; manager CPU ${(((after.cpuS - before.cpuS) / steadyS) * 100).toFixed(0)}% of one core`,
      `while they report (${probes.nodes.length} samples each; GET /api/v1/cluster/nodes lists ${nodesListed}):`,
      ...Object.entries(probes).map(
        ([name, samples]) =>
          `  ${name.padEnd(20)} p50 ${ms(percentile(samples, 50)).padStart(9)}  p99 ${ms(percentile(samples, 99)).padStart(9)}  ${name === 'services (direct)' ? '' : percentile(samples, 99) <= 360 ? '(goal p99 ≤ 360 ms: met)' : '(goal p99 ≤ 360 ms: missed)'}`,
      ),
      `proxied/direct GET /services, p50: ${(percentile(probes['services (proxied)'], 50) / percentile(probes['services (direct)'], 50)).toFixed(2)}x`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    for (const node of nodes) node.agent.destroy();
    await plane.stop();
    await engine.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
