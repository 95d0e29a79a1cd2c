/**
 * The authenticated rows: our registry with token auth against the reference with `auth: token`, both
 * trusting one signing certificate and given tokens by one `TokenIssuer` (./token-realm.ts); and our
 * authenticated manifest GET against our own unauthenticated one (goal: within 0.9x). Each client logs in
 * once (GET /v2/, the challenge, one token request) and sends `Authorization: Bearer` after, as docker does
 * with the token it caches. Both token registries are extra processes with their own storage.
 */
import { mkdir } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError } from '@stevedore/errors';
import { startReferenceRegistry } from '@stevedore/testkit';
import { blobDigest } from './blob-data.js';
import type { BlobSpec } from './blob-data.js';
import { Endpoint, expectStatus, header, pool, pullBlob, pushBlobStreamed, repeatFor } from './http-load.js';
import { row } from './report.js';
import type { PeakRss, Row } from './report.js';
import { BENCH_ISSUER, BENCH_SERVICE, login, startTokenRealm } from './token-realm.js';
import { startTokenRegistryProcess } from './token-registry.js';

export interface BenchServer {
  readonly key: 'ours' | 'reference';
  readonly endpoint: Endpoint;
  readonly pid: number;
}

export type Measure = (
  servers: readonly [BenchServer, BenchServer],
  rowIndex: number,
  perServer: number,
  work: (server: BenchServer, round: number) => Promise<number>,
) => Promise<{ ours: number; reference: number; peakRssMB: PeakRss }>;

export interface AuthRowsOptions {
  readonly parentDir: string;
  /** Our unauthenticated registry, for the token-vs-none row. */
  readonly oursPlain: Endpoint;
  readonly oursPlainPid: number;
  readonly quick: boolean;
  /** Length of one round of the request-rate rows. */
  readonly rateMs: number;
  readonly measure: Measure;
  readonly pushImage: (e: Endpoint, repo: string, tag: string) => Promise<{ digest: string }>;
  readonly wanted: (name: string) => boolean;
  readonly onStarted: (stop: () => Promise<void>) => void;
  readonly log: (line: string) => void;
}

const MiB = 1 << 20;
const MB = 1e6;
const BLOBS = 'bench/auth-blobs';
const MANIFESTS = 'bench/auth-manifests';
const SCOPES = [`repository:${BLOBS}:pull,push`, `repository:${MANIFESTS}:pull,push`];
const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

export function authRowNames(): readonly string[] {
  return [
    'blob push 10 MiB, token auth',
    'blob pull 10 MiB, token auth',
    'manifest GET by tag, concurrency 32, token auth',
    'manifest GET by tag, concurrency 32: ours token auth / ours none',
  ];
}

async function manifestRate(e: Endpoint, expected: string | undefined, rateMs: number): Promise<number> {
  return repeatFor(rateMs, 32, async () => {
    const res = await e.request(`/v2/${MANIFESTS}/manifests/latest`, {
      method: 'GET',
      headers: { accept: ACCEPT },
    });
    expectStatus(res, 200, 'GET manifest', e);
    const answered = header(res, 'docker-content-digest');
    if (answered !== expected) {
      throw new InternalError(`${e.label}: GET manifest gave digest ${answered}, expected ${expected}`);
    }
  });
}

export async function authRows(options: AuthRowsOptions): Promise<Row[]> {
  const names = authRowNames();
  const rows: Row[] = [];
  const realm = await startTokenRealm();
  options.onStarted(() => realm.close());
  const dir = join(options.parentDir, 'token');
  await mkdir(join(dir, 'ours'), { recursive: true });
  const bundle = join(dir, 'signing.pem');
  await writeFile(bundle, realm.signingCertPem);
  const auth = { realm: realm.realm, service: BENCH_SERVICE, issuer: BENCH_ISSUER };
  const ours = await startTokenRegistryProcess({
    dataDir: join(dir, 'ours'),
    ...auth,
    signingCertPem: realm.signingCertPem,
  });
  options.onStarted(() => ours.stop());
  const reference = await startReferenceRegistry({
    parentDir: options.parentDir,
    tokenAuth: { ...auth, rootCertBundle: bundle },
  });
  options.onStarted(() => reference.stop());
  const servers: [BenchServer, BenchServer] = [
    { key: 'ours', endpoint: new Endpoint('stevedore (token auth)', ours.url), pid: ours.pid },
    { key: 'reference', endpoint: new Endpoint('reference (token auth)', reference.url), pid: reference.pid },
  ];
  for (const s of servers) await login(s.endpoint, SCOPES);
  let index = 0;

  if (options.wanted(names[0]!) || options.wanted(names[1]!)) {
    options.log('  token auth: blobs of 10 MiB');
    const perRound = options.quick ? 2 : 4;
    const perServer = 4;
    const specs = (round: number): BlobSpec[] =>
      Array.from({ length: perRound }, (_, i) => ({ name: `auth blob r${round} #${i}`, size: 10 * MiB }));
    for (let round = 0; round < perServer; round++) for (const spec of specs(round)) blobDigest(spec);
    const push = await options.measure(servers, index++, perServer, async (server, round) => {
      const list = specs(round);
      for (const spec of list) await pushBlobStreamed(server.endpoint, BLOBS, spec, blobDigest(spec));
      return (list.length * 10 * MiB) / MB;
    });
    rows.push(row(names[0]!, 'MB/s', push.ours, push.reference, { peakRssMB: push.peakRssMB }));
    const pull = await options.measure(servers, index++, perServer, async (server, round) => {
      const list = specs(round);
      await pool(list.length, 1, async (i) => {
        const spec = list[i]!;
        await pullBlob(server.endpoint, BLOBS, blobDigest(spec), spec.size);
      });
      return (list.length * 10 * MiB) / MB;
    });
    rows.push(row(names[1]!, 'MB/s', pull.ours, pull.reference, { peakRssMB: pull.peakRssMB }));
  }

  if (options.wanted(names[2]!) || options.wanted(names[3]!)) {
    options.log('  token auth: manifest GET at concurrency 32');
    const digests = new Map<string, string>();
    for (const s of servers)
      digests.set(s.key, (await options.pushImage(s.endpoint, MANIFESTS, 'latest')).digest);
    // Untimed: both servers' hot paths (and our verification cache) warm before the first round.
    for (const s of servers) await manifestRate(s.endpoint, digests.get(s.key), options.rateMs);
    if (options.wanted(names[2]!)) {
      const rate = await options.measure(servers, index++, 4, (s) =>
        manifestRate(s.endpoint, digests.get(s.key), options.rateMs),
      );
      rows.push(row(names[2]!, 'requests/s', rate.ours, rate.reference, { peakRssMB: rate.peakRssMB }));
    }
    if (options.wanted(names[3]!)) {
      // Our own registry twice: with token auth (as "ours") and without (in the reference's place).
      const plain: BenchServer = { key: 'reference', endpoint: options.oursPlain, pid: options.oursPlainPid };
      const plainDigest = (await options.pushImage(plain.endpoint, MANIFESTS, 'latest')).digest;
      const pair: [BenchServer, BenchServer] = [servers[0], plain];
      const rate = await options.measure(pair, index++, 4, (s) =>
        manifestRate(s.endpoint, s.key === 'ours' ? digests.get('ours') : plainDigest, options.rateMs),
      );
      rows.push(row(names[3]!, 'requests/s', rate.ours, rate.reference, { peakRssMB: rate.peakRssMB }));
    }
  }
  for (const s of servers) s.endpoint.close();
  return rows;
}
