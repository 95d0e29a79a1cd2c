/**
 * Helpers for the registry's in-process tests: a server on 127.0.0.1 port 0 over a memory Store and blob
 * driver (or given ones), content builders, and a snapshot of everything stored, to assert that a
 * refused request wrote nothing.
 */
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { type BlobDriver, MemoryBlobDriver } from '@stevedore/blobstore';
import { type Store, createMemoryStore } from '@stevedore/store';
import { type RunningRegistry, type StartRegistryOptions, startRegistry } from './server.js';

export interface TestRegistry extends RunningRegistry {
  readonly store: Store;
  readonly driver: BlobDriver;
  /** fetch relative to the registry's URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Everything in the Store and the blob driver, to compare before and after a request. */
  snapshot(): Promise<string>;
}

export async function startTestRegistry(options: Partial<StartRegistryOptions> = {}): Promise<TestRegistry> {
  const store = options.store ?? createMemoryStore();
  const driver = options.driver ?? new MemoryBlobDriver();
  const running = await startRegistry({
    listen: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    ...options,
    store,
    driver,
  });
  return {
    ...running,
    store,
    driver,
    fetch: (path, init) => fetch(running.url + path, init),
    async snapshot() {
      // The audit log is not content: its batched entries of earlier requests land at their own moment.
      const kvs = (await store.range('')).kvs
        .filter((kv) => !kv.key.startsWith('/audit/'))
        .map((kv) => [kv.key, kv.value]);
      const blobs: string[] = [];
      for await (const digest of driver.list()) blobs.push(digest);
      const uploads: string[] = [];
      for await (const id of driver.listUploads()) uploads.push(`${id}=${await driver.uploadSize(id)}`);
      return JSON.stringify({ kvs, blobs: blobs.sort(), uploads: uploads.sort() });
    },
  };
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** Pushes a blob monolithically; returns its digest. */
export async function pushBlob(reg: TestRegistry, name: string, data: Buffer | string): Promise<string> {
  const digest = sha256(data);
  const res = await reg.fetch(`/v2/${name}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data });
  if (res.status !== 201) throw new Error(`push blob: ${res.status} ${await res.text()}`);
  return digest;
}

export interface ImageOptions {
  readonly layers?: readonly string[];
  readonly artifactType?: string;
  readonly subject?: { digest: string; size: number; mediaType?: string };
  readonly annotations?: Record<string, string>;
  readonly configMediaType?: string;
}

/** Pushes config + layers and returns the manifest body (not pushed). */
export async function buildImage(
  reg: TestRegistry,
  name: string,
  options: ImageOptions = {},
): Promise<string> {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', layers: options.layers ?? [] }),
  );
  const configDigest = await pushBlob(reg, name, config);
  const layers = [];
  for (const layer of options.layers ?? ['layer']) {
    layers.push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest: await pushBlob(reg, name, layer),
      size: Buffer.byteLength(layer),
    });
  }
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config: {
      mediaType: options.configMediaType ?? 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length,
    },
    layers,
    ...(options.subject ? { subject: { mediaType: OCI_MANIFEST, ...options.subject } } : {}),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  });
}

export async function putManifest(
  reg: TestRegistry,
  name: string,
  reference: string,
  body: string,
  mediaType = OCI_MANIFEST,
): Promise<Response> {
  return reg.fetch(`/v2/${name}/manifests/${reference}`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': mediaType },
  });
}

/** Pushes a whole image under `tag`; returns the manifest digest. */
export async function pushImage(
  reg: TestRegistry,
  name: string,
  tag: string,
  options: ImageOptions = {},
): Promise<string> {
  const body = await buildImage(reg, name, options);
  const res = await putManifest(reg, name, tag, body);
  if (res.status !== 201) throw new Error(`push manifest: ${res.status} ${await res.text()}`);
  return sha256(body);
}

export async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors?: { code: string }[] };
  return body.errors?.[0]?.code;
}
