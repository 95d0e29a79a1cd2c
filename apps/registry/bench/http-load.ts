/**
 * The benchmark's load generator: a small OCI Distribution client over `node:http` with a keep-alive agent
 * per registry, and a worker pool. The same code drives our registry and the reference, so differences in
 * the figures come from the servers. Blob pushes follow what `docker push` does (POST, one streamed PATCH
 * without a length, PUT with the digest); pulls read and discard, checking length and digest header.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Hash } from 'node:crypto';
import { InternalError } from '@stevedore/errors';
import { blobBytes } from './blob-data.js';
import type { BlobSpec } from './blob-data.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body when asked to keep it; empty otherwise. */
  readonly body: Buffer;
  readonly bytes: number;
}

export interface RequestInit {
  readonly method: string;
  readonly headers?: Record<string, string | number>;
  readonly body?: Buffer | Iterable<Buffer>;
  /** Keep the response body (default: count and discard it). */
  readonly keepBody?: boolean;
  /** Feed the response body to this hash as it arrives. */
  readonly hash?: Hash;
}

export interface EndpointOptions {
  /** PEM of the CA to trust, for an `https://` base. */
  readonly ca?: string;
}

/**
 * A registry under load: its base URL and a keep-alive agent (HTTPS for an `https://` base). `fresh()`
 * starts a new agent: each round begins with no idle connections, since a connection left idle longer than
 * the server's keep-alive timeout (5 s for a Node server) may be closed by the server just as it is reused.
 * `authorization`, when set (a bearer token the client fetched once and caches), goes with every request.
 */
export class Endpoint {
  private agent: Agent;
  private readonly tls: boolean;
  authorization: string | undefined;
  constructor(
    readonly label: string,
    readonly base: string,
    private readonly options: EndpointOptions = {},
  ) {
    this.tls = base.startsWith('https:');
    this.agent = this.newAgent();
  }

  private newAgent(): Agent {
    return this.tls
      ? new HttpsAgent({
          keepAlive: true,
          maxSockets: 64,
          ...(this.options.ca ? { ca: this.options.ca } : {}),
        })
      : new Agent({ keepAlive: true, maxSockets: 64 });
  }

  request(path: string, init: RequestInit): Promise<HttpResponse> {
    const url = new URL(path, this.base);
    const headers =
      this.authorization === undefined
        ? init.headers
        : { ...init.headers, authorization: this.authorization };
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = (this.tls ? httpsRequest : httpRequest)(
        url,
        { method: init.method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (init.keepBody) chunks.push(chunk);
            init.hash?.update(chunk);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
              bytes,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      const body = init.body;
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else pipeline(Readable.from(body, { objectMode: false }), req).catch(reject);
    });
  }

  fresh(): void {
    this.agent.destroy();
    this.agent = this.newAgent();
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A response header as one string (repeated headers joined), or undefined when absent. */
export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function expectStatus(res: HttpResponse, expected: number, what: string, endpoint: Endpoint): void {
  if (res.status !== expected) {
    const body = res.body.length > 0 ? `: ${res.body.toString('utf8').slice(0, 300)}` : '';
    throw new InternalError(`${endpoint.label}: ${what} answered ${res.status}, expected ${expected}${body}`);
  }
}

function location(res: HttpResponse, endpoint: Endpoint, what: string): string {
  const loc = res.headers.location;
  if (!loc) throw new InternalError(`${endpoint.label}: ${what} answered without a Location header`);
  return new URL(loc, endpoint.base).toString();
}

function withDigest(loc: string, digest: string): string {
  const u = new URL(loc);
  u.searchParams.set('digest', digest);
  return u.toString();
}

/** docker's push: POST, PATCH streaming the whole blob with no length, PUT ?digest=. */
export async function pushBlobStreamed(
  e: Endpoint,
  repo: string,
  spec: BlobSpec,
  digest: string,
): Promise<void> {
  const start = await e.request(`/v2/${repo}/blobs/uploads/`, { method: 'POST', keepBody: true });
  expectStatus(start, 202, 'POST upload', e);
  const patch = await e.request(location(start, e, 'POST upload'), {
    method: 'PATCH',
    headers: { 'content-type': 'application/octet-stream' },
    body: blobBytes(spec),
    keepBody: true,
  });
  expectStatus(patch, 202, 'PATCH upload', e);
  const done = await e.request(withDigest(location(patch, e, 'PATCH upload'), digest), {
    method: 'PUT',
    headers: { 'content-length': 0 },
    keepBody: true,
  });
  expectStatus(done, 201, 'PUT upload', e);
}

/** A chunked push: PATCHes of `chunkSize` with Content-Range and Content-Length, then PUT ?digest=. */
export async function pushBlobChunked(
  e: Endpoint,
  repo: string,
  spec: BlobSpec,
  digest: string,
  chunkSize: number,
): Promise<void> {
  const start = await e.request(`/v2/${repo}/blobs/uploads/`, { method: 'POST', keepBody: true });
  expectStatus(start, 202, 'POST upload', e);
  let loc = location(start, e, 'POST upload');
  for (let offset = 0; offset < spec.size; offset += chunkSize) {
    const end = Math.min(spec.size, offset + chunkSize);
    const patch = await e.request(loc, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': end - offset,
        'content-range': `${offset}-${end - 1}`,
      },
      body: blobBytes(spec, offset, end),
      keepBody: true,
    });
    expectStatus(patch, 202, `PATCH chunk at ${offset}`, e);
    loc = location(patch, e, 'PATCH chunk');
  }
  const done = await e.request(withDigest(loc, digest), {
    method: 'PUT',
    headers: { 'content-length': 0 },
    keepBody: true,
  });
  expectStatus(done, 201, 'PUT upload', e);
}

/** GETs a blob, discarding it; checks its length and Docker-Content-Digest. Returns the bytes read. */
export async function pullBlob(
  e: Endpoint,
  repo: string,
  digest: string,
  size: number,
  hash?: Hash,
): Promise<number> {
  const res = await e.request(`/v2/${repo}/blobs/${digest}`, { method: 'GET', hash });
  expectStatus(res, 200, `GET blob ${digest}`, e);
  if (res.bytes !== size)
    throw new InternalError(`${e.label}: GET blob gave ${res.bytes} bytes, expected ${size}`);
  const answered = header(res, 'docker-content-digest');
  if (answered !== digest) {
    throw new InternalError(
      `${e.label}: GET blob answered Docker-Content-Digest ${answered}, expected ${digest}`,
    );
  }
  return res.bytes;
}

export async function putManifest(
  e: Endpoint,
  repo: string,
  reference: string,
  body: Buffer,
  mediaType: string,
) {
  const res = await e.request(`/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType, 'content-length': body.length },
    body,
    keepBody: true,
  });
  expectStatus(res, 201, `PUT manifest ${repo}:${reference}`, e);
}

/** Every tag of `repo`, following `Link` pagination if the registry paginates. */
export async function listAllTags(e: Endpoint, repo: string): Promise<string[]> {
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repo}/tags/list`;
  while (path !== undefined) {
    const res = await e.request(path, { method: 'GET', keepBody: true });
    expectStatus(res, 200, 'GET tags/list', e);
    const page = JSON.parse(res.body.toString('utf8')) as { tags?: string[] | null };
    tags.push(...(page.tags ?? []));
    const link = header(res, 'link');
    path = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
  }
  return tags;
}

/** Runs `count` tasks with at most `concurrency` at once; resolves when all are done, rejects on the first failure. */
export async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, worker));
}

/** Runs `task` in `concurrency` loops until `ms` have passed; returns how many tasks completed. */
export async function repeatFor(ms: number, concurrency: number, task: () => Promise<void>): Promise<number> {
  let done = 0;
  const deadline = performance.now() + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await task();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done;
}
