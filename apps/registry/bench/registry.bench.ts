/**
 * `npm run bench:registry`: our registry against the reference registry (Debian's `docker-registry`), side by
 * side on this machine and disk, driven by one load generator (./http-load.ts). Prints one table of both
 * figures and their ratio, and our peak RSS while a 2 GiB blob is pushed and pulled; writes the same to
 * bench-results/registry.json.
 *
 * Fairness: both servers are separate processes with their storage in sibling temp dirs on one filesystem;
 * every row runs in rounds ordered ABBA (the first server alternating by row) so drifting machine load hits
 * both; blob digests are computed before the clock starts; `sync` runs (untimed) before every round so
 * neither server pays for writing back the other's dirty pages. The 2 GiB blob goes ours, reference for the
 * push and reference, ours for the pull.
 *
 * Options: --quick (small sizes and short rounds, to check the harness), --calibrate (a second reference
 * registry stands in for ours: the ratios then show the noise floor).
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
  rate,
} from './http-load.js';
import { row, table, writeJson } from './report.js';
import type { Row } from './report.js';

const { values: flags } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, calibrate: { type: 'boolean', default: false } },
});
const quick = flags.quick === true;
const MiB = 1 << 20;
const MB = 1e6;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RESULTS = join(ROOT, 'bench-results', 'registry.json');

/** Blobs per round (two rounds per server) for each size and concurrency. */
const BLOB_ROWS: ReadonlyArray<{ size: number; concurrency: number; perRound: number }> = [
  { size: 1 * MiB, concurrency: 1, perRound: quick ? 8 : 24 },
  { size: 1 * MiB, concurrency: 16, perRound: quick ? 16 : 64 },
  { size: 10 * MiB, concurrency: 1, perRound: quick ? 2 : 6 },
  { size: 10 * MiB, concurrency: 16, perRound: quick ? 16 : 24 },
  { size: 100 * MiB, concurrency: 1, perRound: quick ? 1 : 2 },
  { size: 100 * MiB, concurrency: 16, perRound: 16 },
];
const RATE_MS = quick ? 500 : 2500;
const BIG = quick ? 256 * MiB : 2048 * MiB;
const TAGS = 1000;

interface Server {
  readonly key: 'ours' | 'reference';
  readonly endpoint: Endpoint;
  readonly pid: number;
}

/** ABBA: two rounds per server, the first server alternating by row. */
function rounds(servers: readonly [Server, Server], rowIndex: number): Array<[Server, number]> {
  const [a, b] = rowIndex % 2 === 0 ? servers : [servers[1], servers[0]];
  return [
    [a, 0],
    [b, 0],
    [b, 1],
    [a, 1],
  ];
}

function flushDisk(): void {
  execFileSync('sync');
}

function label(size: number): string {
  return size >= MiB ? `${size / MiB} MiB` : `${size} B`;
}

/** Times `work` per server over ABBA rounds; returns units per second for each, summed over its rounds. */
async function measure(
  servers: readonly [Server, Server],
  rowIndex: number,
  work: (server: Server, round: number) => Promise<number>,
): Promise<Record<Server['key'], number>> {
  const totals = { ours: { units: 0, seconds: 0 }, reference: { units: 0, seconds: 0 } };
  for (const [server, round] of rounds(servers, rowIndex)) {
    flushDisk();
    const started = performance.now();
    const units = await work(server, round);
    totals[server.key].seconds += (performance.now() - started) / 1000;
    totals[server.key].units += units;
  }
  return {
    ours: totals.ours.units / totals.ours.seconds,
    reference: totals.reference.units / totals.reference.seconds,
  };
}

async function blobRows(servers: readonly [Server, Server], rows: Row[]): Promise<void> {
  let index = 0;
  for (const { size, concurrency, perRound } of BLOB_ROWS) {
    const specs = (round: number): BlobSpec[] =>
      Array.from({ length: perRound }, (_, i) => ({
        name: `blob ${size} c${concurrency} r${round} #${i}`,
        size,
      }));
    for (const round of [0, 1]) for (const spec of specs(round)) blobDigest(spec);
    const push = await measure(servers, index++, async (server, round) => {
      const list = specs(round);
      await pool(list.length, concurrency, (i) => {
        const spec = list[i]!;
        return pushBlobStreamed(server.endpoint, 'bench/blobs', spec, blobDigest(spec));
      });
      return (list.length * size) / MB;
    });
    rows.push(row(`blob push ${label(size)}, concurrency ${concurrency}`, 'MB/s', push.ours, push.reference));
    const pull = await measure(servers, index++, async (server, round) => {
      const list = specs(round);
      await pool(list.length, concurrency, async (i) => {
        const spec = list[i]!;
        await pullBlob(server.endpoint, 'bench/blobs', blobDigest(spec), size);
      });
      return (list.length * size) / MB;
    });
    rows.push(row(`blob pull ${label(size)}, concurrency ${concurrency}`, 'MB/s', pull.ours, pull.reference));
    console.error(`  done: blobs of ${label(size)} at concurrency ${concurrency}`);
  }
  const chunked = quick ? 20 * MiB : 100 * MiB;
  const perRound = quick ? 1 : 2;
  const specs = (round: number): BlobSpec[] =>
    Array.from({ length: perRound }, (_, i) => ({ name: `chunked r${round} #${i}`, size: chunked }));
  for (const round of [0, 1]) for (const spec of specs(round)) blobDigest(spec);
  const push = await measure(servers, index++, async (server, round) => {
    for (const spec of specs(round)) {
      await pushBlobChunked(server.endpoint, 'bench/chunked', spec, blobDigest(spec), 5 * MiB);
    }
    return (perRound * chunked) / MB;
  });
  rows.push(row(`chunked push ${label(chunked)} in 5 MiB chunks`, 'MB/s', push.ours, push.reference));
}

/** A small image (config + one 1 MiB layer) in `repo`; returns its manifest bytes and digest. */
async function pushImage(e: Endpoint, repo: string, tag: string): Promise<{ body: Buffer; digest: string }> {
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
  const images = new Map<Server['key'], { body: Buffer; digest: string }>();
  for (const server of servers)
    images.set(server.key, await pushImage(server.endpoint, 'bench/manifests', 'latest'));
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';
  let index = 0;
  for (const method of ['GET', 'HEAD'] as const) {
    const result = await measure(servers, index++, async (server) => {
      const expected = images.get(server.key)?.digest;
      const e = server.endpoint;
      const perSecond = await rate(RATE_MS, 32, async () => {
        const res = await e.request('/v2/bench/manifests/manifests/latest', { method, headers: { accept } });
        expectStatus(res, 200, `${method} manifest`, e);
        const answered = header(res, 'docker-content-digest');
        if (answered !== expected) {
          throw new InternalError(
            `${e.label}: ${method} manifest gave digest ${answered}, expected ${expected}`,
          );
        }
      });
      return perSecond * (RATE_MS / 1000);
    });
    rows.push(row(`manifest ${method} by tag, concurrency 32`, 'requests/s', result.ours, result.reference));
  }

  for (const server of servers) {
    const image = images.get(server.key)!;
    const e = server.endpoint;
    await pool(TAGS, 8, (i) =>
      putManifest(
        e,
        'bench/manifests',
        `t${String(i).padStart(4, '0')}`,
        image.body,
        'application/vnd.oci.image.manifest.v1+json',
      ),
    );
    const tags = await listAllTags(e, 'bench/manifests');
    if (tags.length !== TAGS + 1)
      throw new InternalError(`${e.label}: tags/list gave ${tags.length} tags, expected ${TAGS + 1}`);
  }
  const listing = await measure(servers, index++, async (server) => {
    const perSecond = await rate(RATE_MS, 1, async () => {
      await listAllTags(server.endpoint, 'bench/manifests');
    });
    return perSecond * (RATE_MS / 1000);
  });
  rows.push(
    row(
      `list ${TAGS.toLocaleString('en-US')} tags (full listing)`,
      'listings/s',
      listing.ours,
      listing.reference,
    ),
  );
}

interface BigBlobResult {
  pushMBs: number;
  pullMBs: number;
  /** Peak resident memory (MB) of the server's process tree during the big-blob phase. */
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
  const sampled = { ours: 0, reference: 0 };
  const sample = async (): Promise<void> => {
    for (const s of servers) sampled[s.key] = Math.max(sampled[s.key], (await memoryOfTree(s.pid)).rssKb);
  };
  const reset = await Promise.all(servers.map((s) => resetPeak(s.pid)));
  const timer = setInterval(() => void sample(), 50);
  const result = {} as Record<Server['key'], BigBlobResult>;
  try {
    const [a, b] = servers;
    const digests = new Map<Server['key'], string>();
    for (const s of [a, b]) {
      flushDisk();
      const pushed = await pushBig(s.endpoint, { name: `big ${s.key}`, size: BIG });
      digests.set(s.key, pushed.digest);
      result[s.key] = { pushMBs: BIG / MB / pushed.seconds, pullMBs: 0, peakRssMB: 0 };
    }
    for (const s of [b, a])
      result[s.key].pullMBs = BIG / MB / (await pullBig(s.endpoint, digests.get(s.key)!));
    await sample();
  } finally {
    clearInterval(timer);
  }
  for (const [i, s] of servers.entries()) {
    const hwm = reset[i] ? (await memoryOfTree(s.pid)).hwmKb : 0;
    result[s.key].peakRssMB = Math.max(hwm, sampled[s.key]) / 1024;
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
  const command = `node --import tsx apps/registry/bench/registry.bench.ts${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`;
  const parent = await mkdtemp(join(tmpdir(), 'stevedore-bench-'));
  const stops: Array<() => Promise<void>> = [];
  const cleanUp = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(parent, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
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
    await blobRows(servers, rows);
    await requestRows(servers, rows);
    console.error(`  big blob (${label(BIG)}) through each server`);
    const big = await bigBlob(servers);
    rows.push(row(`blob push ${label(BIG)} (streamed)`, 'MB/s', big.ours.pushMBs, big.reference.pushMBs));
    rows.push(row(`blob pull ${label(BIG)}`, 'MB/s', big.ours.pullMBs, big.reference.pullMBs));
    rows.push(
      row(
        `peak RSS during ${label(BIG)} push+pull`,
        'MB',
        big.ours.peakRssMB,
        big.reference.peakRssMB,
        false,
      ),
    );
    for (const s of servers) s.endpoint.close();

    const out = [
      `$ ${command}`,
      `machine: ${machine.nproc} cores (nproc), ${machine.cpu}, ${machine.memoryGiB} GiB RAM, Node ${machine.node}`,
      `reference: ${referenceVersion}; both servers store under ${parent} (one filesystem)`,
      '',
      table(rows, labels),
      '',
      `ratio = ${labels.ours} / reference for rates, reference / ${labels.ours} for memory: above 1.00x we are better.`,
      `${labels.ours} peak RSS while a ${label(BIG)} blob was pushed and pulled: ${big.ours.peakRssMB.toFixed(0)} MB ` +
        `(VmHWM reset before the phase, and VmRSS sampled every 50 ms; the reference: ${big.reference.peakRssMB.toFixed(0)} MB).`,
      'Absolute figures depend on this machine and whatever else runs on it; compare the ratios, not the figures.',
    ];
    console.log(out.join('\n'));
    await writeJson(RESULTS, {
      date: new Date().toISOString(),
      command,
      machine,
      labels,
      rows,
      bigBlob: { bytes: BIG, ...big },
      note: 'Ratios matter, not absolute figures. Rates: higher is better; ratio > 1 means ours is better.',
    });
    console.error(`results written to ${RESULTS}`);
  } finally {
    await cleanUp();
  }
}

await main();
