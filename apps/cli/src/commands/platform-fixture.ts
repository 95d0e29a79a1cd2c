/**
 * Test support: the platform as `stevedore up` runs it, on a private swarm engine, with the accounts the
 * registry tests share: org acme with team dev (alice in it), bob with no rights, and the private
 * repository acme/app where dev has read-write.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildTestImage,
  freePort,
  runDockerCli,
  startDockerEngine,
  type DockerCliResult,
  type DockerEngine,
} from '@stevedore/testkit';
import { startUp, stopUp, type UpProcess } from './up-process.js';

export const CLIS = { 'docker 28.2': '/usr/local/bin/docker', 'docker 20.10': '/usr/bin/docker' } as const;
export type Cli = keyof typeof CLIS;
const ADMIN_PASSWORD = 'first-admin-password';

export interface ApiAnswer {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
}

export interface Platform {
  readonly engine: DockerEngine;
  readonly dataDir: string;
  readonly up: UpProcess;
  /** `127.0.0.1:PORT` of the registry, as image references name it. */
  readonly registry: string;
  readonly controllerPort: number;
  readonly caPem: string;
  api(method: string, path: string, body?: unknown, token?: string): Promise<ApiAnswer>;
  /** A session token for the user. */
  login(user: string, password: string): Promise<string>;
  /** An admin call that must succeed. */
  must(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  /** One docker CLI as one user: a config dir of its own, so logins never mix. */
  dockerAs(cli: Cli, user: string): Promise<(args: string[], input?: string) => Promise<DockerCliResult>>;
  /** Ctrl-C; resolves with the exit code of `up`. */
  stop(): Promise<number | null>;
}

function apiAt(base: string, ca: string): Platform['api'] {
  return (method, path, body, token) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = {};
      if (payload !== undefined) headers['content-type'] = 'application/json';
      if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
      const req = request(`${base}${path}`, { method, ca, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => {
          const json: unknown =
            text !== '' && /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : undefined;
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
}

export async function startPlatform(name: string): Promise<Platform> {
  const engine = await startDockerEngine({ swarm: true });
  const dataDir = await mkdtemp(join(tmpdir(), `stevedore-${name}-`));
  let up: UpProcess | undefined;
  try {
    const controllerPort = await freePort();
    const registry = `127.0.0.1:${await freePort()}`;
    up = await startUp(
      [
        '--docker-host',
        engine.host,
        '--data-dir',
        dataDir,
        '--listen',
        `127.0.0.1:${controllerPort}`,
        '--registry-listen',
        registry,
      ],
      {
        STEVEDORE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        // The engine's trust directory is the machine's: this run's CA goes to a directory of its own.
        STEVEDORE_REGISTRY_ENGINE_CERTS_DIR: join(dataDir, 'certs.d'),
      },
    );
    const caPem = await readFile(join(dataDir, 'pki', 'cluster-root-ca.pem'), 'utf8');
    const api = apiAt(`https://127.0.0.1:${controllerPort}`, caPem);
    const login = async (user: string, password: string) => {
      const res = await api('POST', '/auth/login', { username: user, password });
      assert.equal(res.status, 200, res.text);
      return (res.json as { auth_token: string }).auth_token;
    };
    const admin = await login('admin', ADMIN_PASSWORD);
    const must = async (method: string, path: string, body?: unknown) => {
      const res = await api(method, path, body, admin);
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
      return res;
    };
    await must('POST', '/api/v1/orgs', { name: 'acme' });
    await must('POST', '/api/v1/orgs/acme/teams', { name: 'dev' });
    for (const user of ['alice', 'bob'])
      await must('POST', '/api/v1/users', { name: user, password: `${user}-password` });
    await must('PUT', '/api/v1/orgs/acme/teams/dev/members/alice');
    await must('POST', '/api/v1/repositories', {
      namespace: 'acme',
      name: 'app',
      visibility: 'private',
      description: 'the app',
    });
    await must('PUT', '/api/v1/repositories/acme/app/teams/dev', { access: 'read-write' });
    await buildTestImage(engine, 'stevedore/busybox:test');
    const running = up;
    return {
      engine,
      dataDir,
      up: running,
      registry,
      controllerPort,
      caPem,
      api,
      login,
      must,
      dockerAs: async (cli, user) => {
        const config = await mkdtemp(join(dataDir, `docker-config-${user}-`));
        return (args, input) =>
          runDockerCli(CLIS[cli], { DOCKER_HOST: engine.host, DOCKER_CONFIG: config }, args, {
            ...(input !== undefined ? { input } : {}),
            timeoutMs: 120_000,
          });
      },
      stop: async () => {
        const code = await stopUp(running);
        await engine.stop();
        await rm(dataDir, { recursive: true, force: true });
        return code;
      },
    };
  } catch (err) {
    if (up) await stopUp(up);
    await engine.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
