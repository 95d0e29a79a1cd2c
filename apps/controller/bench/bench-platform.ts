/**
 * The platform the proxy benchmark runs on, set up as test/docker/cluster.ts does: a private single-node
 * swarm engine (testkit; never the machine's own daemon), the control plane started in this process over a
 * memory Store with its Docker API proxy pointed at that engine, and one non-admin user, alice, holding
 * Full Control on /Shared/bench, with a client bundle downloaded from `GET /api/clientbundle` (kept in
 * memory: the load client needs only its three PEMs).
 *
 * `stop()` closes the plane, stops the engine and removes the data dir; it is safe after a partial start.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { pino } from 'pino';
import { createMemoryStore } from '@stevedore/store';
import { buildTestImage, startDockerEngine, type DockerEngine } from '@stevedore/testkit';
import { startControlPlane, type ControlPlane } from '../src/index.js';
import { apiClient } from '../test/api-client.js';

export const IMAGE = 'stevedore/busybox:test';
export const COLLECTION = '/Shared/bench';
export const BENCH_LABELS = { 'io.stevedore.collection': COLLECTION } as const;
const PASSWORD = 'a long enough password';

export interface ClientBundle {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface BenchPlatform {
  readonly engine: DockerEngine;
  readonly plane: ControlPlane;
  /** alice's bundle: a non-admin, so lists go through the proxy's filtering. */
  readonly bundle: ClientBundle;
}

/** Starts everything, runs `body`, and tears everything down whatever `body` does. */
export async function withBenchPlatform<T>(body: (platform: BenchPlatform) => Promise<T>): Promise<T> {
  let engine: DockerEngine | undefined;
  let plane: ControlPlane | undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'stevedore-proxy-bench-'));
  try {
    engine = await startDockerEngine({ swarm: true });
    await buildTestImage(engine, IMAGE);
    plane = await startControlPlane({
      store: createMemoryStore(),
      dataDir,
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
      version: '0.1.0-bench',
      adminPassword: PASSWORD,
      identity: { kdf: { log2N: 10 } },
      dockerHost: engine.host,
    });
    const bundle = await setUpAlice(plane);
    return await body({ engine, plane, bundle });
  } finally {
    await plane?.close().catch((err: unknown) => console.error('closing the control plane failed:', err));
    await engine?.stop().catch((err: unknown) => console.error('stopping the engine failed:', err));
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function setUpAlice(plane: ControlPlane): Promise<ClientBundle> {
  const call = apiClient(plane.url, plane.clusterCaPem);
  const login = async (username: string) => {
    const res = await call('POST', '/auth/login', { body: { username, password: PASSWORD } });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
    return res.json<{ auth_token: string }>().auth_token;
  };
  const admin = await login('admin');
  const must = async (path: string, body: unknown) => {
    const res = await call('POST', path, { token: admin, body });
    if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  };
  await must('/api/v1/users', { name: 'alice', password: PASSWORD });
  await must('/api/v1/collections', { path: COLLECTION });
  await must('/api/v1/grants', {
    subject: { kind: 'user', id: 'alice' },
    roleId: 'full-control',
    collection: COLLECTION,
  });
  const res = await call('GET', '/api/clientbundle', { token: await login('alice') });
  if (res.status !== 200) throw new Error(`bundle for alice: ${res.status} ${res.text}`);
  const files = unzipSync(res.bytes);
  const pem = (name: string): string => {
    const bytes = files[name];
    if (!bytes) throw new Error(`the client bundle has no ${name}`);
    return strFromU8(bytes);
  };
  return { caPem: pem('ca.pem'), certPem: pem('cert.pem'), keyPem: pem('key.pem') };
}
