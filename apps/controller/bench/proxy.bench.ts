/**
 * `npm run bench:proxy`: the same Engine API calls made DIRECT to a private engine's unix socket and
 * THROUGH the controller's authorizing Docker API proxy (HTTPS, a client bundle), side by side in one run.
 *
 * Who calls, and in what access model (access-model-seed.ts makes the big one before anything is measured,
 * so every row runs in it: 1,011 collections, 10,000 team grants):
 * - alice (rows marked [alice]): not an administrator, Full Control on /Shared/bench; in the first part
 *   every resource is labelled there, so she sees what the engine lists (checked) and every list still
 *   goes through the proxy's filtering;
 * - viewer: View Only on one collection among the 1,000 leaves; sees 10 of the 1,000 services and 10 of the
 *   100 containers of the second part;
 * - admin: an administrator, whose answers flow through unfiltered (the proxy's floor for a list);
 * - [floor] rows: the same calls through a bare HTTPS pipe with mTLS and nothing else (floor-proxy.ts): the
 *   cost of the hop itself, which any proxy in this setting pays.
 *
 * Setting: the control plane runs in this process (startControlPlane, over a SQLite Store), so the RSS
 * printed is the controller's; the load client is a process of its own (load-client.ts), one keep-alive
 * connection per target and identity, so neither its TLS work nor its heap is counted as the proxy's. How
 * each row is measured: measure.ts. Goals (latency ≤ 1.2× direct, throughput ≥ 0.9× direct, the filtered
 * 1,000-service list under 1 s end to end) are printed as met or missed; a miss does not fail the process:
 * a benchmark reports, it does not assert.
 *
 * Noise: this shares the machine's cores with dockerd; the log rate is the engine's json-file reading
 * (~20 MB/s on two cores) and varies ±25% from read to read, so compare the controller CPU figure too.
 *
 * Options: --quick (few resources, requests and bytes: checks the harness in about two minutes);
 * --store sqlite|memory (the controller's Store: SQLite in the data dir by default, as `stevedore up`
 * runs; memory, as the tests use, keeps every record and audit entry in the controller's heap);
 * --only a,b (rows by key: ping, containers, services, inspect, create, logs, big, cli, floor);
 * --profile DIR (a CPU profile of the controller per row: profile.ts).
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { BENCH_LABELS, IMAGE, withBenchPlatform, type BenchPlatform } from './bench-platform.js';
import { leafCollections, seedBigModel, VIEWER, VIEWER_COLLECTION } from './access-model-seed.js';
import { cliRow } from './cli-timing.js';
import { startFloorProxy } from './floor-proxy.js';
import { createIdleServices, createRunningContainers, removeContainers } from './engine-fixtures.js';
import { LoadClient } from './load-client.js';
import { createRow, latencyRow, logsRow, type LogsResult } from './measure.js';
import { cliCreateBody, decodeCost } from './create-body.js';
import { createProfiler } from './profile.js';
import { formatReport, type EndToEndRow, type LatencyRow, type ThroughputRow } from './report.js';

const ROWS = ['ping', 'containers', 'services', 'inspect', 'create', 'logs', 'big', 'cli', 'floor'] as const;
type RowKey = (typeof ROWS)[number];

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
  },
});
const storeKind = flags.store;
if (storeKind !== 'sqlite' && storeKind !== 'memory')
  throw new Error(`--store: sqlite or memory, not ${String(storeKind)}`);
const quick = flags.quick === true;
const only = new Set((flags.only ?? ROWS.join(',')).split(',').filter((k) => k !== ''));
for (const key of only)
  if (!(ROWS as readonly string[]).includes(key))
    throw new Error(`--only: no row ${key} (${ROWS.join(', ')})`);
const wanted = (key: RowKey) => only.has(key);
const MiB = 1 << 20;
const SIZE = quick
  ? { containers: 10, services: 20, warmup: 20, rounds: 2, perRound: 50, logBytes: 20 * MiB, logRuns: 1 }
  : {
      containers: 100,
      services: 500,
      warmup: 100,
      rounds: 5,
      perRound: 200,
      logBytes: 200 * MiB,
      logRuns: 3,
    };
/** The second part: the viewer's lists. Of these, VISIBLE of each are in the viewer's collection. */
const BIG = quick ? { services: 40, visible: 4, cliRuns: 2 } : { services: 1000, visible: 10, cliRuns: 10 };
/** Fewer, since each takes 20 ms or more; and cold requests (handshakes) fewer again. */
const BIG_ROUNDS = quick ? SIZE : { ...SIZE, warmup: 50, perRound: 100 };
const COLD_ROUNDS = quick ? { warmup: 2, rounds: 2, perRound: 5 } : { warmup: 5, rounds: 4, perRound: 25 };

async function main(platform: BenchPlatform): Promise<void> {
  const { engine, plane, bundle } = platform;
  const step = (what: string) => console.error(`[bench:proxy] ${new Date().toISOString()} ${what}`);
  const profiler = createProfiler(flags.profile);
  step(
    `seeding the access model; creating ${SIZE.containers} running containers and ${SIZE.services} services`,
  );
  const seeding = seedBigModel(platform.asAdmin).then((seeded) => {
    step(`access model seeded in ${seeded.seconds.toFixed(0)} s`);
    return seeded;
  });
  const fixturesStart = performance.now();
  const aliceContainers = await createRunningContainers(engine, SIZE.containers);
  await createIdleServices(engine, SIZE.services);
  step(`engine fixtures made in ${((performance.now() - fixturesStart) / 1000).toFixed(0)} s`);
  const seeded = await seeding;
  const floor = await startFloorProxy(platform.dataDir, engine.socketPath);
  const client = new LoadClient({
    socketPath: engine.socketPath,
    proxyPort: plane.port,
    bundle,
    floorPort: floor.port,
  });
  await client.addIdentity(VIEWER, await platform.bundleOf(VIEWER));
  await client.addIdentity('admin', await platform.bundleOf('admin'));
  const latency: LatencyRow[] = [];
  const throughput: ThroughputRow[] = [];
  const endToEnd: EndToEndRow[] = [];
  let logs: LogsResult | undefined;
  const row = async <T>(key: string, what: string, body: () => Promise<T>): Promise<T> => {
    step(what);
    return profiler.around(key, body);
  };
  try {
    if (wanted('ping'))
      latency.push(
        await row('ping', '_ping', () =>
          latencyRow(client, '[alice] GET /_ping (the fixed cost of any call)', '/_ping', -1, SIZE),
        ),
      );
    if (wanted('containers'))
      latency.push(
        await row('containers', 'containers/json', () =>
          latencyRow(
            client,
            `[alice] GET /v1.41/containers/json?all=1 (${SIZE.containers} running containers, all visible)`,
            '/v1.41/containers/json?all=1',
            SIZE.containers,
            SIZE,
          ),
        ),
      );
    if (wanted('services'))
      latency.push(
        await row('services', 'services', () =>
          latencyRow(
            client,
            `[alice] GET /v1.41/services (${SIZE.services} services, 0 replicas, all visible)`,
            '/v1.41/services',
            SIZE.services,
            SIZE,
          ),
        ),
      );
    if (wanted('inspect')) {
      const someId = aliceContainers[0] ?? '';
      latency.push(
        await row('inspect', 'containers/{id}/json', () =>
          latencyRow(
            client,
            '[alice] GET /v1.41/containers/{id}/json (one inspect: what the post-check adds to a create)',
            `/v1.41/containers/${someId}/json`,
            -1,
            SIZE,
          ),
        ),
      );
    }
    if (wanted('create'))
      latency.push(
        await row('create', 'containers/create', () =>
          createRow(
            client,
            '[alice] POST /v1.41/containers/create (docker run’s body; canonical decode, field policy, post-check)',
            '/v1.41/containers/create',
            JSON.stringify(cliCreateBody(IMAGE, BENCH_LABELS)),
            SIZE,
          ),
        ),
      );
    if (wanted('floor')) {
      // The same calls through the bare pipe: what the hop alone costs (floor-proxy.ts).
      const floorRow = (key: string, name: string, path: string, expected: number) =>
        row(`floor-${key}`, `floor ${key}`, () =>
          latencyRow(client, `[floor] ${name} (a bare HTTPS pipe)`, path, expected, SIZE, {
            against: 'floor',
          }),
        );
      const inspected = `/v1.41/containers/${aliceContainers[0] ?? ''}/json`;
      latency.push(await floorRow('ping', 'GET /_ping', '/_ping', -1));
      latency.push(await floorRow('inspect', 'GET /v1.41/containers/{id}/json', inspected, -1));
      latency.push(
        await floorRow(
          'services',
          `GET /v1.41/services (${SIZE.services} services)`,
          '/v1.41/services',
          SIZE.services,
        ),
      );
    }
    if (wanted('logs')) {
      logs = await row('logs', 'logs', () => logsRow(client, engine, SIZE.logBytes, SIZE.logRuns));
      throughput.push({ ...logs.row, name: `[alice] ${logs.row.name}` });
    }

    if (wanted('big') || wanted('cli')) {
      // The second part: 100 containers of which VISIBLE are the viewer's, 1,000 services likewise.
      step('second part: containers and services across the 1,000 collections');
      const start = performance.now();
      const leaves = leafCollections().filter((c) => c !== VIEWER_COLLECTION);
      const labelled = (collection: string) => ({ 'io.stevedore.collection': collection });
      const gone = (await engine.request('GET', '/containers/json?all=1')).json<{ Id: string }[]>();
      const keep = new Set(aliceContainers.slice(BIG.visible));
      await removeContainers(
        engine,
        gone.map((c) => c.Id).filter((id) => !keep.has(id)),
      );
      await createRunningContainers(engine, BIG.visible, () => labelled(VIEWER_COLLECTION), 'viewer-sleep');
      const more = BIG.services - SIZE.services;
      await createIdleServices(
        engine,
        more,
        (i) =>
          labelled(i < BIG.visible ? VIEWER_COLLECTION : (leaves[i % leaves.length] ?? VIEWER_COLLECTION)),
        'big-svc',
      );
      step(`second part made in ${((performance.now() - start) / 1000).toFixed(0)} s`);
    }
    const all = { containers: SIZE.containers, services: BIG.services };
    const viewerSees = { containers: BIG.visible, services: BIG.visible };
    if (wanted('big')) {
      const list = async (
        key: string,
        who: string,
        path: string,
        what: string,
        total: number,
        visible: number,
      ) =>
        latency.push(
          await row(key, `${who} ${path}`, () =>
            latencyRow(
              client,
              `[${who}] GET ${path} (${total} ${what}, ${visible === total ? 'all' : visible} visible)`,
              path,
              { direct: total, proxy: visible },
              BIG_ROUNDS,
              { as: who },
            ),
          ),
        );
      const services = '/v1.41/services';
      const containers = '/v1.41/containers/json?all=1';
      await list('viewer-services', VIEWER, services, 'services', all.services, viewerSees.services);
      await list(
        'viewer-containers',
        VIEWER,
        containers,
        'containers',
        all.containers,
        viewerSees.containers,
      );
      await list('alice-services', 'alice', services, 'services', all.services, SIZE.services);
      await list(
        'alice-containers',
        'alice',
        containers,
        'containers',
        all.containers,
        all.containers - BIG.visible,
      );
      await list('admin-services', 'admin', services, 'services', all.services, all.services);
      if (wanted('floor'))
        latency.push(
          await row('floor-big', 'floor /v1.41/services', () =>
            latencyRow(
              client,
              `[floor] GET ${services} (${all.services} services; a bare HTTPS pipe)`,
              services,
              all.services,
              BIG_ROUNDS,
              { against: 'floor' },
            ),
          ),
        );
      latency.push(
        await row('viewer-services-cold', 'viewer services, a new connection each', () =>
          latencyRow(
            client,
            `[viewer] GET ${services} (${all.services} services, ${viewerSees.services} visible; a new TLS connection per request)`,
            services,
            { direct: all.services, proxy: viewerSees.services },
            COLD_ROUNDS,
            { as: VIEWER, cold: true },
          ),
        ),
      );
    }
    if (wanted('cli'))
      endToEnd.push(
        await row('cli', 'docker service ls', async () => ({
          ...(await cliRow(
            engine,
            plane.port,
            await platform.bundleOf(VIEWER),
            ['service', 'ls'],
            { direct: all.services + 1, proxy: viewerSees.services + 1 },
            BIG.cliRuns,
          )),
          name: `[viewer] docker service ls (${all.services} services, ${viewerSees.services} visible; whole CLI run)`,
        })),
      );

    const decode = decodeCost(JSON.stringify(cliCreateBody(IMAGE, BENCH_LABELS)));
    const version = (await engine.request('GET', '/version')).json<{ Version: string }>().Version;
    console.log(
      formatReport({
        setting: `${quick ? 'QUICK run; ' : ''}Node ${process.version}, Docker Engine ${version}, ${cpus().length}× ${cpus()[0]?.model ?? 'CPU'}; controller Store: ${storeKind}`,
        method: `${SIZE.warmup} warm-up + ${SIZE.rounds} alternating rounds × ${SIZE.perRound} sequential requests per target (lists of ${BIG.services}: ${BIG_ROUNDS.warmup} + ${BIG_ROUNDS.rounds} × ${BIG_ROUNDS.perRound}); logs: median of ${SIZE.logRuns} alternating reads`,
        notes: [
          `Access model: ${seeded.collections} collections, ${seeded.grants} grants besides each user's own (seeded through the REST API in ${seeded.seconds.toFixed(0)} s); viewer: View Only on ${VIEWER_COLLECTION} only`,
        ],
        latency,
        throughput,
        endToEnd,
        ...(logs ? { rssMB: logs.rssMB } : {}),
      }),
    );
    console.log(
      `Canonical decode of docker run's ${decode.bytes}-byte create body, in process: ${decode.canonicalUs.toFixed(1)} µs per body (decode + re-serialize + field policy) vs ${decode.jsonParseUs.toFixed(1)} µs for JSON.parse + JSON.stringify (${(decode.canonicalUs / decode.jsonParseUs).toFixed(2)}×)`,
    );
    for (const summary of profiler.summaries) console.log(`Profile ${summary}`);
  } finally {
    client.close();
    await floor.close();
  }
}

// Ctrl-C: exit through 'exit', where testkit kills and cleans up engines that were not stopped.
process.once('SIGINT', () => process.exit(130));
await withBenchPlatform(storeKind, main);
