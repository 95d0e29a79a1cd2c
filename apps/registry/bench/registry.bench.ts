/**
 * `npm run bench:registry`: our registry against the reference registry (Debian's `docker-registry`), side by
 * side on this machine and disk, driven by one load generator (./http-load.ts). Prints one table of both
 * figures and their ratio, and our peak RSS while a 2 GiB blob is pushed and pulled; writes the same to
 * bench-results/registry.json.
 *
 * Fairness: both servers are separate processes with their storage in sibling temp dirs on one filesystem.
 * Every row runs in interleaved rounds (ABBA BAAB, the first server alternating by row) so drifting machine
 * load hits both, and each figure is the median of a server's rounds. Blob digests are computed before the
 * clock starts. `sync` runs (untimed) before every round, so neither server pays for writing back the other's
 * dirty pages. The 2 GiB blob goes first (so its memory figure is not mixed with earlier rows), pushed ours
 * then reference, pulled reference then ours.
 *
 * A third column, nginx serving the very same blob file (./nginx-rows.ts), shows how far both registries
 * are from the machine's limit for a blob pull, over plain HTTP and over TLS.
 *
 * Authenticated rows (./auth-rows.ts): both registries with token auth, tokens from one TokenIssuer.
 *
 * Options: --quick (small sizes and short rounds, to check the harness), --calibrate (a second reference
 * registry stands in for ours: the ratios then show the noise floor; no nginx rows), --only <text> (only the
 * rows whose name contains the text; repeatable).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { InternalError } from '@stevedore/errors';
import { startReferenceRegistry } from '@stevedore/testkit';
import { memoryOfTree, startRegistryProcess } from '../test/registry-process.js';
import { blobBytes, blobDigest } from './blob-data.js';
import type { BlobSpec } from './blob-data.js';
import {
  Endpoint,
  expectStatus,
  header,
  listAllTags,
  pool,
  pullBlob,
  pushBlobChunked,
  pushBlobStreamed,
  putManifest,
  repeatFor,
} from './http-load.js';
import { authRowNames, authRows } from './auth-rows.js';
import { nginxRowNames, nginxRows } from './nginx-rows.js';
import { row, table, writeJson } from './report.js';
import { tokenIssuanceRowNames, tokenIssuanceRows } from './token-issuance.js';
import type { Row } from './report.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    calibrate: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
  },
});
const quick = flags.quick === true;
/** True for a row --only asks for (every row without --only). */
function wanted(name: string): boolean {
  const only = flags.only ?? [];
  return only.length === 0 || only.some((text) => name.includes(text));
}
const MiB = 1 << 20;
const MB = 1e6;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// A run of some rows (--only) leaves the full run's results alone.
const RESULTS = join(ROOT, 'bench-results', flags.only ? 'registry.only.json' : 'registry.json');

/**
 * Blobs per round, and rounds per server, for each size and concurrency. More, shorter rounds average out
 * bursts of other load; a round at concurrency 16 needs at least 16 blobs to keep 16 in flight.
 */
const BLOB_ROWS: ReadonlyArray<{ size: number; concurrency: number; perRound: number; rounds: number }> = [
  { size: 1 * MiB, concurrency: 1, perRound: quick ? 8 : 16, rounds: 4 },
  { size: 1 * MiB, concurrency: 16, perRound: quick ? 16 : 48, rounds: 4 },
  { size: 10 * MiB, concurrency: 1, perRound: quick ? 2 : 4, rounds: 4 },
  { size: 10 * MiB, concurrency: 16, perRound: 16, rounds: 4 },
  { size: 100 * MiB, concurrency: 1, perRound: 1, rounds: quick ? 2 : 4 },
  { size: 100 * MiB, concurrency: 16, perRound: 16, rounds: 2 },
];
/** Length of one round of a request-rate row; four rounds per server. */
const RATE_MS = quick ? 500 : 1500;
const BIG = quick ? 256 * MiB : 2048 * MiB;
/** The blob of the rows with nginx beside the two registries: rounds of pulls per server. */
const NGINX_BLOB = quick ? 20 * MiB : 100 * MiB;
const NGINX_ROUNDS = quick ? 3 : 6;
const NGINX_PULLS = quick ? 2 : 4;
const TAGS = 1000;

interface Server {
  readonly key: 'ours' | 'reference';
  readonly endpoint: Endpoint;
  readonly pid: number;
}

/** `perServer` rounds each, ordered ABBA BAAB (balanced against drift), the first server alternating by row. */
function rounds(
  servers: readonly [Server, Server],
  rowIndex: number,
  perServer: number,
): Array<[Server, number]> {
  const [a, b] = rowIndex % 2 === 0 ? servers : [servers[1], servers[0]];
  const pattern = [a, b, b, a, b, a, a, b];
  const seen = { ours: 0, reference: 0 };
  return pattern.slice(0, 2 * perServer).map((s): [Server, number] => [s, seen[s.key]++]);
}

function flushDisk(): void {
  execFileSync('sync');
}

function label(size: number): string {
  return size >= MiB ? `${size / MiB} MiB` : `${size} B`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Measured {
  /** Each server's median rate (units per second) over its rounds. */
  readonly ours: number;
  readonly reference: number;
  /** Each server's peak resident memory (MB) during the row. */
  readonly peakRssMB: Record<Server['key'], number>;
}

/**
 * Times `work` per server over interleaved rounds; the figure is each server's median rate over its
 * rounds, so a burst of other load on the machine spoils one round, not the figure.
 */
async function measure(
  servers: readonly [Server, Server],
  rowIndex: number,
  perServer: number,
  work: (server: Server, round: number) => Promise<number>,
): Promise<Measured> {
  const perRound: Record<Server['key'], number[]> = { ours: [], reference: [] };
  await Promise.all(servers.map((s) => resetPeak(s.pid)));
  for (const [server, round] of rounds(servers, rowIndex, perServer)) {
    flushDisk();
    server.endpoint.fresh();
    const started = performance.now();
    const units = await work(server, round);
    perRound[server.key].push(units / ((performance.now() - started) / 1000));
  }
  const peakRssMB = { ours: 0, reference: 0 };
  for (const s of servers) peakRssMB[s.key] = (await memoryOfTree(s.pid)).hwmKb / 1024;
  return { ours: median(perRound.ours), reference: median(perRound.reference), peakRssMB };
}

async function blobRows(servers: readonly [Server, Server], rows: Row[]): Promise<void> {
  let index = 0;
  for (const { size, concurrency, perRound, rounds: perServer } of BLOB_ROWS) {
    // A pull row needs its push (the blobs it pulls), so --only of either runs both.
    const suffix = `${label(size)}, concurrency ${concurrency}`;
    if (!wanted(`blob push ${suffix}`) && !wanted(`blob pull ${suffix}`)) continue;
    const specs = (round: number): BlobSpec[] =>
      Array.from({ length: perRound }, (_, i) => ({
        name: `blob ${size} c${concurrency} r${round} #${i}`,
        size,
      }));
    for (let round = 0; round < perServer; round++) for (const spec of specs(round)) blobDigest(spec);
    const push = await measure(servers, index++, perServer, async (server, round) => {
      const list = specs(round);
      await pool(list.length, concurrency, (i) => {
        const spec = list[i]!;
        return pushBlobStreamed(server.endpoint, 'bench/blobs', spec, blobDigest(spec));
      });
      return (list.length * size) / MB;
    });
    rows.push(
      row(`blob push ${label(size)}, concurrency ${concurrency}`, 'MB/s', push.ours, push.reference, {
        peakRssMB: push.peakRssMB,
      }),
    );
    const pull = await measure(servers, index++, perServer, async (server, round) => {
      const list = specs(round);
      await pool(list.length, concurrency, async (i) => {
        const spec = list[i]!;
        await pullBlob(server.endpoint, 'bench/blobs', blobDigest(spec), size);
      });
      return (list.length * size) / MB;
    });
    rows.push(
      row(`blob pull ${label(size)}, concurrency ${concurrency}`, 'MB/s', pull.ours, pull.reference, {
        peakRssMB: pull.peakRssMB,
      }),
    );
    console.error(`  done: blobs of ${label(size)} at concurrency ${concurrency}`);
  }
  const chunked = quick ? 20 * MiB : 100 * MiB;
  if (!wanted(`chunked push ${label(chunked)} in 5 MiB chunks`)) return;
  const perRound = quick ? 1 : 2;
  const specs = (round: number): BlobSpec[] =>
    Array.from({ length: perRound }, (_, i) => ({ name: `chunked r${round} #${i}`, size: chunked }));
  for (let round = 0; round < 2; round++) for (const spec of specs(round)) blobDigest(spec);
  const push = await measure(servers, index++, 2, async (server, round) => {
    for (const spec of specs(round)) {
      await pushBlobChunked(server.endpoint, 'bench/chunked', spec, blobDigest(spec), 5 * MiB);
    }
    return (perRound * chunked) / MB;
  });
  rows.push(
    row(`chunked push ${label(chunked)} in 5 MiB chunks`, 'MB/s', push.ours, push.reference, {
      peakRssMB: push.peakRssMB,
    }),
  );
}

/** A small image (config + one 1 MiB layer) in `repo`; returns its manifest bytes and digest. */
async function pushImage(e: Endpoint, repo: string, tag: string): Promise<{ body: Buffer; digest: string }> {
  e.fresh();
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const layer: BlobSpec = { name: 'manifest layer', size: MiB };
  const start = await e.request(`/v2/${repo}/blobs/uploads/`, { method: 'POST', keepBody: true });
  expectStatus(start, 202, 'POST upload (config)', e);
  const put = new URL(start.headers.location ?? '', e.base);
  put.searchParams.set('digest', configDigest);
  const done = await e.request(put.toString(), {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': config.length },
    body: config,
    keepBody: true,
  });
  expectStatus(done, 201, 'PUT config blob', e);
  await pushBlobStreamed(e, repo, layer, blobDigest(layer));
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: blobDigest(layer), size: MiB },
      ],
    }),
  );
  await putManifest(e, repo, tag, body, mediaType);
  return { body, digest: `sha256:${createHash('sha256').update(body).digest('hex')}` };
}

async function requestRows(servers: readonly [Server, Server], rows: Row[]): Promise<void> {
  const names = [
    'manifest GET by tag, concurrency 32',
    'manifest HEAD by tag, concurrency 32',
    `list ${TAGS.toLocaleString('en-US')} tags (full listing)`,
  ];
  if (!names.some(wanted)) return;
  const images = new Map<Server['key'], { body: Buffer; digest: string }>();
  for (const server of servers)
    images.set(server.key, await pushImage(server.endpoint, 'bench/manifests', 'latest'));
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';
  let index = 0;
  for (const method of ['GET', 'HEAD'] as const) {
    if (!wanted(`manifest ${method} by tag, concurrency 32`)) continue;
    const result = await measure(servers, index++, 4, async (server) => {
      const expected = images.get(server.key)?.digest;
      const e = server.endpoint;
      return repeatFor(RATE_MS, 32, async () => {
        const res = await e.request('/v2/bench/manifests/manifests/latest', { method, headers: { accept } });
        expectStatus(res, 200, `${method} manifest`, e);
        const answered = header(res, 'docker-content-digest');
        if (answered !== expected) {
          throw new InternalError(
            `${e.label}: ${method} manifest gave digest ${answered}, expected ${expected}`,
          );
        }
      });
    });
    rows.push(
      row(`manifest ${method} by tag, concurrency 32`, 'requests/s', result.ours, result.reference, {
        peakRssMB: result.peakRssMB,
      }),
    );
  }

  if (!wanted(`list ${TAGS.toLocaleString('en-US')} tags (full listing)`)) return;
  for (const server of servers) {
    const image = images.get(server.key)!;
    const e = server.endpoint;
    e.fresh();
    // `latest` and TAGS - 1 more: the repository holds exactly TAGS tags.
    await pool(TAGS - 1, 8, (i) =>
      putManifest(
        e,
        'bench/manifests',
        `t${String(i).padStart(4, '0')}`,
        image.body,
        'application/vnd.oci.image.manifest.v1+json',
      ),
    );
    const tags = await listAllTags(e, 'bench/manifests');
    if (tags.length !== TAGS)
      throw new InternalError(`${e.label}: tags/list gave ${tags.length} tags, expected ${TAGS}`);
  }
  const listing = await measure(servers, index++, 4, async (server) => {
    return repeatFor(RATE_MS, 1, async () => {
      await listAllTags(server.endpoint, 'bench/manifests');
    });
  });
  rows.push(
    row(
      `list ${TAGS.toLocaleString('en-US')} tags (full listing)`,
      'listings/s',
      listing.ours,
      listing.reference,
      { peakRssMB: listing.peakRssMB },
    ),
  );
}

interface BigBlobResult {
  pushMBs: number;
  pullMBs: number;
  /** Resident memory (MB) of the server's process tree just before the phase. */
  baselineRssMB: number;
  /** Peak resident memory (MB) of the server's process tree during the phase. */
  peakRssMB: number;
}

/**
 * The server's peak memory is VmHWM after resetting it (writing 5 to /proc/PID/clear_refs, which needs
 * root) just before the phase, so no short spike is missed; VmRSS sampled every 50 ms backs it up.
 */
async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

async function pushBig(e: Endpoint, spec: BlobSpec): Promise<{ digest: string; seconds: number }> {
  const hash = createHash('sha256');
  function* hashed(): Generator<Buffer> {
    for (const piece of blobBytes(spec)) {
      hash.update(piece);
      yield piece;
    }
  }
  const started = performance.now();
  const start = await e.request('/v2/bench/big/blobs/uploads/', { method: 'POST', keepBody: true });
  expectStatus(start, 202, 'POST upload', e);
  const patch = await e.request(new URL(header(start, 'location') ?? '', e.base).toString(), {
    method: 'PATCH',
    headers: { 'content-type': 'application/octet-stream' },
    body: hashed(),
    keepBody: true,
  });
  expectStatus(patch, 202, 'PATCH upload', e);
  const digest = `sha256:${hash.digest('hex')}`;
  const put = new URL(header(patch, 'location') ?? '', e.base);
  put.searchParams.set('digest', digest);
  const done = await e.request(put.toString(), {
    method: 'PUT',
    headers: { 'content-length': 0 },
    keepBody: true,
  });
  expectStatus(done, 201, 'PUT upload', e);
  return { digest, seconds: (performance.now() - started) / 1000 };
}

async function pullBig(e: Endpoint, digest: string): Promise<number> {
  const started = performance.now();
  const readBack = createHash('sha256');
  await pullBlob(e, 'bench/big', digest, BIG, readBack);
  if (`sha256:${readBack.digest('hex')}` !== digest) {
    throw new InternalError(`${e.label}: the ${label(BIG)} blob came back altered`);
  }
  return (performance.now() - started) / 1000;
}

/** One `BIG` blob pushed (hashed as it streams, never held in memory) and pulled, ABBA, memory watched. */
async function bigBlob(servers: readonly [Server, Server]): Promise<Record<Server['key'], BigBlobResult>> {
  const baseline = { ours: 0, reference: 0 };
  const sampled = { ours: 0, reference: 0 };
  for (const s of servers) baseline[s.key] = (await memoryOfTree(s.pid)).rssKb;
  const sample = async (): Promise<void> => {
    for (const s of servers) sampled[s.key] = Math.max(sampled[s.key], (await memoryOfTree(s.pid)).rssKb);
  };
  const reset = await Promise.all(servers.map((s) => resetPeak(s.pid)));
  const timer = setInterval(() => void sample(), 50);
  const speed = { ours: { push: 0, pull: 0 }, reference: { push: 0, pull: 0 } };
  try {
    const [a, b] = servers;
    const digests = new Map<Server['key'], string>();
    for (const s of [a, b]) {
      flushDisk();
      s.endpoint.fresh();
      const pushed = await pushBig(s.endpoint, { name: `big ${s.key}`, size: BIG });
      digests.set(s.key, pushed.digest);
      speed[s.key].push = BIG / MB / pushed.seconds;
    }
    for (const s of [b, a]) {
      s.endpoint.fresh();
      speed[s.key].pull = BIG / MB / (await pullBig(s.endpoint, digests.get(s.key)!));
    }
    await sample();
  } finally {
    clearInterval(timer);
  }
  const result = {} as Record<Server['key'], BigBlobResult>;
  for (const [i, s] of servers.entries()) {
    const hwm = reset[i] ? (await memoryOfTree(s.pid)).hwmKb : 0;
    result[s.key] = {
      pushMBs: speed[s.key].push,
      pullMBs: speed[s.key].pull,
      baselineRssMB: baseline[s.key] / 1024,
      peakRssMB: Math.max(hwm, sampled[s.key]) / 1024,
    };
  }
  return result;
}

async function warmUp(server: Server): Promise<void> {
  const specs = Array.from({ length: 8 }, (_, i) => ({ name: `warm-up ${i}`, size: MiB }));
  await pool(specs.length, 4, async (i) => {
    const spec = specs[i]!;
    await pushBlobStreamed(server.endpoint, 'bench/warmup', spec, blobDigest(spec));
    await pullBlob(server.endpoint, 'bench/warmup', blobDigest(spec), spec.size);
  });
}

async function main(): Promise<void> {
  const extra = process.argv.slice(2).join(' ');
  const command =
    process.env['npm_lifecycle_event'] === 'bench:registry'
      ? `npm run bench:registry${extra ? ` -- ${extra}` : ''}`
      : `node --import tsx apps/registry/bench/registry.bench.ts${extra ? ` ${extra}` : ''}`;
  const parent = await mkdtemp(join(tmpdir(), 'stevedore-bench-'));
  const stops: Array<() => Promise<void>> = [];
  const cleanUp = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(parent, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  // Whatever goes wrong, the registries must not outlive the benchmark.
  process.once('uncaughtException', (err) => {
    console.error('benchmark failed:', err);
    void cleanUp().finally(() => process.exit(1));
  });
  try {
    const reference = await startReferenceRegistry({ parentDir: parent });
    stops.push(() => reference.stop());
    let ours: { url: string; pid: number; stop(): Promise<void> };
    if (flags.calibrate) {
      ours = await startReferenceRegistry({ parentDir: parent });
    } else {
      await mkdir(join(parent, 'ours'));
      ours = await startRegistryProcess(join(parent, 'ours'));
    }
    stops.push(() => ours.stop());
    const labels = { ours: flags.calibrate ? 'reference #2' : 'stevedore', reference: 'reference' };
    const servers: [Server, Server] = [
      { key: 'ours', endpoint: new Endpoint(labels.ours, ours.url), pid: ours.pid },
      { key: 'reference', endpoint: new Endpoint(labels.reference, reference.url), pid: reference.pid },
    ];
    const referenceVersion = execFileSync('docker-registry', ['--version'], { encoding: 'utf8' }).trim();
    const machine = {
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      reference: referenceVersion,
      storage: parent,
    };
    console.error(
      `registry benchmark: ${labels.ours} vs ${referenceVersion}; ${machine.nproc} cores, storage under ${parent}`,
    );
    for (const s of servers) await warmUp(s);
    const rows: Row[] = [];
    const bigNames = [
      `blob push ${label(BIG)} (streamed)`,
      `blob pull ${label(BIG)}`,
      `peak RSS during ${label(BIG)} push+pull`,
    ] as const;
    let big: Record<Server['key'], BigBlobResult> | undefined;
    if (bigNames.some(wanted)) {
      // The big blob goes first, so the memory it costs is not mixed with what earlier rows left behind.
      console.error(`  big blob (${label(BIG)}) through each server`);
      big = await bigBlob(servers);
    }
    await blobRows(servers, rows);
    await requestRows(servers, rows);
    // The two main servers' peak over their rows (the rows below run other processes too).
    const mainRows = [...rows];
    const extras: string[] = [];
    const nginxNames = nginxRowNames(NGINX_BLOB, label);
    if (!flags.calibrate && (wanted(nginxNames.plain) || wanted(nginxNames.tls))) {
      const result = await nginxRows(
        {
          parentDir: parent,
          size: NGINX_BLOB,
          rounds: NGINX_ROUNDS,
          pullsPerRound: NGINX_PULLS,
          ours: { ...servers[0], blobRoot: join(parent, 'ours', 'blobs') },
          reference: servers[1],
          wanted,
          onStarted: (stop) => stops.push(stop),
          log: (line) => console.error(line),
        },
        label,
      );
      rows.push(...result.rows);
      extras.push(
        `nginx: ${result.nginxVersion} (Debian), sendfile on, serving the blob file from ${labels.ours}'s storage; ` +
          `rows "by curl": ${NGINX_ROUNDS} rounds of ${NGINX_PULLS} pulls per server, one connection each, ` +
          'interleaved in the six orders of the three. Server CPU ms per 100 MB sent (user + system): ' +
          result.rows
            .map(
              (r) =>
                `${r.name.replace(/.*, /, '')}: ` +
                Object.entries(r.cpuMsPer100MB ?? {})
                  .map(([k, v]) => `${k} ${v.toFixed(0)}`)
                  .join(', '),
            )
            .join('; ') +
          '.',
      );
    }
    if (!flags.calibrate && authRowNames().some(wanted)) {
      rows.push(
        ...(await authRows({
          parentDir: parent,
          oursPlain: servers[0].endpoint,
          oursPlainPid: servers[0].pid,
          quick,
          rateMs: RATE_MS,
          measure,
          pushImage,
          wanted,
          onStarted: (stop) => stops.push(stop),
          log: (line) => console.error(line),
        })),
      );
      extras.push(
        'Token auth rows: both registries trust one signing certificate (a test CA, @stevedore/pki) and get ' +
          'tokens from one registry-auth TokenIssuer; each client logs in once as docker does and sends the cached ' +
          'token with every request. "ours token auth / ours none": our registry with token auth against itself ' +
          'without auth (the goal is at least 0.90x).',
      );
    }
    if (!flags.calibrate && tokenIssuanceRowNames().some(wanted)) {
      console.error('  token issuance at /auth/token');
      rows.push(
        ...(await tokenIssuanceRows({
          parentDir: parent,
          rateMs: RATE_MS,
          wanted,
          onStarted: (stop) => stops.push(stop),
        })),
      );
      extras.push(
        'Token issuance: the control plane (SQLite Store, default password hash cost) in a child process; ' +
          'GET /auth/token with HTTP Basic over HTTPS keep-alive, 16 clients; no reference (Debian ships no ' +
          'token service).',
      );
    }
    if (big) {
      rows.push(
        row(bigNames[0], 'MB/s', big.ours.pushMBs, big.reference.pushMBs, {
          peakRssMB: { ours: big.ours.peakRssMB, reference: big.reference.peakRssMB },
        }),
      );
      rows.push(row(bigNames[1], 'MB/s', big.ours.pullMBs, big.reference.pullMBs));
      rows.push(
        row(bigNames[2], 'MB', big.ours.peakRssMB, big.reference.peakRssMB, {
          higherIsBetter: false,
        }),
      );
      extras.push(
        `${labels.ours} peak RSS while a ${label(BIG)} blob was pushed and pulled: ${big.ours.peakRssMB.toFixed(0)} MB, ` +
          `from ${big.ours.baselineRssMB.toFixed(0)} MB just before (reference: ${big.reference.peakRssMB.toFixed(0)} MB ` +
          `from ${big.reference.baselineRssMB.toFixed(0)} MB).`,
      );
    }
    const shown = rows.filter((r) => wanted(r.name));
    const wholeRun = {
      ours: Math.max(0, big?.ours.peakRssMB ?? 0, ...mainRows.map((r) => r.peakRssMB?.ours ?? 0)),
      reference: Math.max(
        0,
        big?.reference.peakRssMB ?? 0,
        ...mainRows.map((r) => r.peakRssMB?.reference ?? 0),
      ),
    };
    for (const s of servers) s.endpoint.close();

    const out = [
      `$ ${command}`,
      `machine: ${machine.nproc} cores (nproc), ${machine.cpu}, ${machine.memoryGiB} GiB RAM, Node ${machine.node}`,
      `reference: ${referenceVersion}; both servers store under ${parent} (one filesystem)`,
      '',
      table(shown, labels),
      '',
      `ratio = ${labels.ours} / reference for rates, reference / ${labels.ours} for memory: above 1.00x we are better.`,
      ...extras,
      ...(wholeRun.ours > 0
        ? [
            `Peak RSS over the whole run: ${labels.ours} ${wholeRun.ours.toFixed(0)} MB, reference ` +
              `${wholeRun.reference.toFixed(0)} MB (VmHWM of the process tree, reset through /proc/PID/clear_refs ` +
              'before each row).',
          ]
        : []),
      'Blob push = POST, one streamed PATCH, PUT ?digest= (as docker push does); pull = GET, read to the end. ' +
        "Each figure is the median of a server's interleaved rounds.",
      'Absolute figures depend on this machine and whatever else runs on it; compare the ratios, not the figures.',
    ];
    console.log(out.join('\n'));
    await writeJson(RESULTS, {
      date: new Date().toISOString(),
      command,
      machine,
      labels,
      rows: shown,
      ...(big ? { bigBlob: { bytes: BIG, ...big } } : {}),
      peakRssWholeRunMB: wholeRun,
      note: 'Ratios matter, not absolute figures. Rates: higher is better; ratio > 1 means ours is better.',
    });
    console.error(`results written to ${RESULTS}`);
  } finally {
    await cleanUp();
  }
}

await main();
