/**
 * The platform every Docker API test and the proxy benchmark stand on: a private single-node swarm engine
 * (testkit; never the machine's own daemon) with the test image built, and a control plane over a memory
 * Store, started in this process, whose Docker API proxy points at that engine. Accounts are made through
 * the REST API as an administrator would (`asAdmin`), and client bundles downloaded from
 * `GET /api/clientbundle` (`bundleOf`).
 *
 * `stop()` closes the plane, stops the engine and removes the data dir; start cleans up after itself when
 * it fails part-way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { pino } from 'pino';
import { createMemoryStore, type Store } from '@stevedore/store';
import { buildTestImage, startDockerEngine, type DockerEngine } from '@stevedore/testkit';
import { startControlPlane, type ControlPlane } from '../../src/index.js';
import { apiClient } from '../api-client.js';

export const IMAGE = 'stevedore/busybox:test';
export const PASSWORD = 'a long enough password';

export interface Platform {
  readonly engine: DockerEngine;
  readonly plane: ControlPlane;
  readonly dataDir: string;
  readonly call: ReturnType<typeof apiClient>;
  readonly login: (username: string) => Promise<string>;
  /** A REST call as the administrator that must succeed. */
  readonly asAdmin: (method: string, path: string, body?: unknown) => Promise<void>;
  /** The files of a fresh client bundle for a user, by name (`ca.pem`, `cert.pem`, …). */
  readonly bundleOf: (token: string, query?: string) => Promise<Record<string, Uint8Array>>;
  readonly stop: () => Promise<void>;
}

export interface PlatformOptions {
  /** The control plane's Store, made in the data dir; a memory Store when absent. */
  readonly store?: (dataDir: string) => Store;
}

export async function startPlatform(version: string, options: PlatformOptions = {}): Promise<Platform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stevedore-docker-api-'));
  let engine: DockerEngine | undefined;
  let plane: ControlPlane | undefined;
  const stop = async () => {
    await plane?.close();
    await engine?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    engine = await startDockerEngine({ swarm: true });
    await buildTestImage(engine, IMAGE);
    plane = await startControlPlane({
      store: options.store?.(dataDir) ?? createMemoryStore(),
      dataDir,
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
      version,
      adminPassword: PASSWORD,
      identity: { kdf: { log2N: 10 } },
      dockerHost: engine.host,
    });
    const call = apiClient(plane.url, plane.clusterCaPem);
    const login = async (username: string) => {
      const res = await call('POST', '/auth/login', { body: { username, password: PASSWORD } });
      if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
      return res.json<{ auth_token: string }>().auth_token;
    };
    const admin = await login('admin');
    return {
      engine,
      plane,
      dataDir,
      call,
      login,
      asAdmin: async (method, path, body) => {
        const res = await call(method, path, { token: admin, body });
        if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
      },
      bundleOf: async (token, query = '') => {
        const res = await call('GET', `/api/clientbundle${query}`, { token });
        if (res.status !== 200) throw new Error(`client bundle: ${res.status} ${res.text}`);
        return unzipSync(res.bytes);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
