/**
 * The rows with a third column: a blob pulled by curl from our registry, from the reference, and from
 * nginx serving the very same file out of our registry's storage (`sendfile on`), over plain HTTP and over
 * TLS. Over TLS all three use one certificate issued by a throwaway test CA (@stevedore/pki); our registry
 * and the reference then run as second instances with their own storage, started with their TLS options.
 *
 * Rounds are interleaved in the six orders of the three servers (ABC BCA CAB CBA ACB BAC), so drifting
 * machine load hits all three alike; each figure is the median of a server's rounds.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '@stevedore/pki';
import { startReferenceRegistry } from '@stevedore/testkit';
import { startRegistryProcess } from '../test/registry-process.js';
import { blobDigest } from './blob-data.js';
import type { BlobSpec } from './blob-data.js';
import { cpuSeconds, curlPull } from './curl-pull.js';
import { Endpoint, pushBlobStreamed } from './http-load.js';
import { startNginx } from './nginx.js';
import { row } from './report.js';
import type { Row } from './report.js';

const MB = 1e6;
const ORDERS = [
  [0, 1, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
  [0, 2, 1],
  [1, 0, 2],
] as const;

type Key = 'ours' | 'reference' | 'nginx';

interface Target {
  readonly key: Key;
  /** The blob's full URL on this server. */
  readonly url: string;
  readonly pid: number;
  readonly digest?: string;
}

export interface PlainServer {
  readonly endpoint: Endpoint;
  readonly pid: number;
}

export interface NginxRowsOptions {
  readonly parentDir: string;
  readonly size: number;
  readonly rounds: number;
  readonly pullsPerRound: number;
  /** Our plain registry and the directory its blobs are stored under (`<dataDir>/blobs`). */
  readonly ours: PlainServer & { readonly blobRoot: string };
  readonly reference: PlainServer;
  /** Which of the two rows to run (plain, TLS). */
  readonly wanted: (name: string) => boolean;
  /** Called with each started server's stop, so the benchmark's clean-up stops it whatever happens. */
  readonly onStarted: (stop: () => Promise<void>) => void;
  readonly log: (line: string) => void;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The path of a blob's file under a filesystem driver's root (packages/blobstore's layout). */
function blobPath(digest: string): string {
  const [algorithm, encoded] = digest.split(':') as [string, string];
  return `/${algorithm}/${encoded.slice(0, 2)}/${encoded}/data`;
}

async function measure(
  targets: readonly [Target, Target, Target],
  options: NginxRowsOptions,
  caFile: string | undefined,
): Promise<Record<Key, { mbs: number; cpuMsPer100MB: number }>> {
  const pull = (t: Target): Promise<number> =>
    curlPull(t.url, {
      expectedBytes: options.size,
      ...(caFile ? { caFile } : {}),
      ...(t.digest ? { expectedDigest: t.digest } : {}),
    });
  // Untimed: the page cache, the servers' JIT and TLS code paths warm for all three alike.
  for (const t of targets) await pull(t);
  const speeds: Record<Key, number[]> = { ours: [], reference: [], nginx: [] };
  const cpu: Record<Key, number> = { ours: 0, reference: 0, nginx: 0 };
  for (let round = 0; round < options.rounds; round++) {
    for (const i of ORDERS[round % ORDERS.length]!) {
      const t = targets[i];
      const cpuBefore = await cpuSeconds(t.pid);
      let seconds = 0;
      for (let n = 0; n < options.pullsPerRound; n++) seconds += await pull(t);
      cpu[t.key] += (await cpuSeconds(t.pid)) - cpuBefore;
      speeds[t.key].push((options.pullsPerRound * options.size) / MB / seconds);
    }
  }
  const sentMB = (options.rounds * options.pullsPerRound * options.size) / MB;
  const result = {} as Record<Key, { mbs: number; cpuMsPer100MB: number }>;
  for (const key of ['ours', 'reference', 'nginx'] as const) {
    result[key] = { mbs: median(speeds[key]), cpuMsPer100MB: (cpu[key] * 1000 * 100) / sentMB };
  }
  return result;
}

function toRow(name: string, r: Record<Key, { mbs: number; cpuMsPer100MB: number }>): Row {
  return row(name, 'MB/s', r.ours.mbs, r.reference.mbs, {
    nginx: r.nginx.mbs,
    cpuMsPer100MB: {
      ours: r.ours.cpuMsPer100MB,
      reference: r.reference.cpuMsPer100MB,
      nginx: r.nginx.cpuMsPer100MB,
    },
  });
}

async function pushTo(e: Endpoint, spec: BlobSpec): Promise<string> {
  const digest = blobDigest(spec);
  e.fresh();
  await pushBlobStreamed(e, 'bench/nginx', spec, digest);
  e.fresh();
  return digest;
}

export function nginxRowNames(size: number, label: (n: number) => string): { plain: string; tls: string } {
  return {
    plain: `blob pull ${label(size)} by curl, plain HTTP`,
    tls: `blob pull ${label(size)} by curl, TLS`,
  };
}

/** Runs the wanted rows of the two; returns them, and nginx's version for the report. */
export async function nginxRows(
  options: NginxRowsOptions,
  label: (n: number) => string,
): Promise<{ rows: Row[]; nginxVersion: string }> {
  const names = nginxRowNames(options.size, label);
  const rows: Row[] = [];
  const spec: BlobSpec = { name: 'nginx column', size: options.size };

  const dir = join(options.parentDir, 'tls');
  await mkdir(dir);
  const ca = await createCertificateAuthority({ commonName: 'stevedore bench CA', validityDays: 1 });
  const server = await issueCertificate(ca, {
    commonName: '127.0.0.1',
    sans: ['127.0.0.1'],
    usage: 'server',
    validityDays: 1,
  });
  const [caFile, certFile, keyFile] = [join(dir, 'ca.pem'), join(dir, 'cert.pem'), join(dir, 'key.pem')];
  await writeFile(caFile, ca.certPem);
  // The chain a client needs to see: the server's certificate, then the CA's.
  await writeFile(certFile, `${server.certPem.trim()}\n${ca.certPem.trim()}\n`);
  await writeFile(keyFile, server.keyPem, { mode: 0o600 });
  const tls = { certificate: certFile, key: keyFile, caPem: ca.certPem };

  const wantTls = options.wanted(names.tls);
  let oursTls: { url: string; pid: number; endpoint: Endpoint; blobRoot: string } | undefined;
  let referenceTls: { url: string; pid: number; endpoint: Endpoint } | undefined;
  if (wantTls) {
    const oursDir = join(options.parentDir, 'ours-tls');
    await mkdir(oursDir);
    const o = await startRegistryProcess(oursDir, 30_000, { tls });
    options.onStarted(() => o.stop());
    const r = await startReferenceRegistry({ parentDir: options.parentDir, tls });
    options.onStarted(() => r.stop());
    oursTls = {
      url: o.url,
      pid: o.pid,
      endpoint: new Endpoint('stevedore (TLS)', o.url, { ca: ca.certPem }),
      blobRoot: join(oursDir, 'blobs'),
    };
    referenceTls = {
      url: r.url,
      pid: r.pid,
      endpoint: new Endpoint('reference (TLS)', r.url, { ca: ca.certPem }),
    };
  }
  const nginx = await startNginx({
    plainRoot: options.ours.blobRoot,
    tlsRoot: oursTls?.blobRoot ?? options.ours.blobRoot,
    certPath: certFile,
    keyPath: keyFile,
    parentDir: options.parentDir,
  });
  options.onStarted(() => nginx.stop());

  const digest = blobDigest(spec);
  const blobUrl = (base: string): string => `${base}/v2/bench/nginx/blobs/${digest}`;
  if (options.wanted(names.plain)) {
    options.log(`  ${names.plain}: ours, reference, nginx`);
    await pushTo(options.ours.endpoint, spec);
    await pushTo(options.reference.endpoint, spec);
    const measured = await measure(
      [
        { key: 'ours', url: blobUrl(options.ours.endpoint.base), pid: options.ours.pid, digest },
        {
          key: 'reference',
          url: blobUrl(options.reference.endpoint.base),
          pid: options.reference.pid,
          digest,
        },
        { key: 'nginx', url: `${nginx.plainUrl}${blobPath(digest)}`, pid: nginx.pid },
      ],
      options,
      undefined,
    );
    rows.push(toRow(names.plain, measured));
  }
  if (oursTls && referenceTls) {
    options.log(`  ${names.tls}: ours, reference, nginx`);
    await pushTo(oursTls.endpoint, spec);
    await pushTo(referenceTls.endpoint, spec);
    const measured = await measure(
      [
        { key: 'ours', url: blobUrl(oursTls.url), pid: oursTls.pid, digest },
        { key: 'reference', url: blobUrl(referenceTls.url), pid: referenceTls.pid, digest },
        { key: 'nginx', url: `${nginx.tlsUrl}${blobPath(digest)}`, pid: nginx.pid },
      ],
      options,
      caFile,
    );
    rows.push(toRow(names.tls, measured));
    oursTls.endpoint.close();
    referenceTls.endpoint.close();
  }
  return { rows, nginxVersion: nginx.version };
}
