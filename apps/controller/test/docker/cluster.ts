/**
 * A whole platform for Docker API tests: a private Docker Engine in Swarm mode, a control plane that
 * proxies to it, three accounts with real client bundles downloaded from `/api/clientbundle`, and the real
 * docker CLI pointed at the controller through each bundle (`DOCKER_HOST`, `DOCKER_TLS_VERIFY`,
 * `DOCKER_CERT_PATH`, as `source env.sh` sets them, plus a private DOCKER_CONFIG).
 *
 * Accounts, as the issue's table has them:
 * - admin: administrator;
 * - alice: Full Control on /Shared/dev (and Restricted Control on her private collection, as every user);
 * - bob: View Only on /Shared/dev, and Restricted Control on /Shared/Private/bob.
 * The engine's one node is labelled into /Shared/dev, so alice may schedule services on it and bob may see it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { pino } from 'pino';
import { createMemoryStore } from '@stevedore/store';
import {
  buildTestImage,
  ensureBinary,
  runDockerCli,
  startDockerEngine,
  type DockerCliOptions,
  type DockerCliResult,
  type DockerEngine,
} from '@stevedore/testkit';
import { startControlPlane, type ControlPlane } from '../../src/index.js';
import { apiClient } from '../api-client.js';

export const IMAGE = 'stevedore/busybox:test';
const PASSWORD = 'a long enough password';
export type Account = 'admin' | 'alice' | 'bob';
/** `tty`: run the CLI under a pseudo-terminal (`script`), as `docker run -it` needs. */
export type CliOptions = DockerCliOptions & { readonly tty?: boolean };

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export interface DockerCluster {
  readonly engine: DockerEngine;
  readonly plane: ControlPlane;
  readonly dataDir: string;
  readonly call: ReturnType<typeof apiClient>;
  readonly tokens: Record<Account, string>;
  /** The unzipped bundle of each account. */
  readonly bundleDirs: Record<Account, string>;
  docker(who: Account, args: string[], options?: CliOptions): Promise<DockerCliResult>;
  /** The CLI with the bundle unzipped in `dir` (or none: then `env` says where to go). */
  dockerWith(dir: string | undefined, args: string[], env?: Record<string, string>): Promise<DockerCliResult>;
  /** Downloads another bundle for `who` into a fresh directory. */
  downloadBundle(who: Account, label?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startDockerCluster(): Promise<DockerCluster> {
  const engine = await startDockerEngine({ swarm: true });
  const dataDir = await mkdtemp(join(tmpdir(), 'stevedore-docker-api-'));
  let plane: ControlPlane | undefined;
  try {
    await buildTestImage(engine, IMAGE);
    plane = await startControlPlane({
      store: createMemoryStore(),
      dataDir,
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
      version: '0.1.0-test',
      adminPassword: PASSWORD,
      identity: { kdf: { log2N: 10 } },
      dockerHost: engine.host,
    });
    const call = apiClient(plane.url, plane.clusterCaPem);
    const login = async (username: string) => {
      const res = await call('POST', '/auth/login', { body: { username, password: PASSWORD } });
      if (res.status !== 200) throw new Error(`login ${username}: ${res.text}`);
      return res.json<{ auth_token: string }>().auth_token;
    };
    const admin = await login('admin');
    const must = async (method: string, path: string, body?: unknown) => {
      const res = await call(method, path, { token: admin, body });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    };
    for (const name of ['alice', 'bob']) await must('POST', '/api/v1/users', { name, password: PASSWORD });
    await must('POST', '/api/v1/collections', { path: '/Shared/dev' });
    await must('POST', '/api/v1/grants', {
      subject: { kind: 'user', id: 'alice' },
      roleId: 'full-control',
      collection: '/Shared/dev',
    });
    await must('POST', '/api/v1/grants', {
      subject: { kind: 'user', id: 'bob' },
      roleId: 'view-only',
      collection: '/Shared/dev',
    });
    const tokens: Record<Account, string> = { admin, alice: await login('alice'), bob: await login('bob') };

    const cli = await ensureBinary('docker', 'docker.io');
    const downloadBundle = async (who: Account, label?: string): Promise<string> => {
      const res = await call(
        'GET',
        `/api/clientbundle${label ? `?label=${encodeURIComponent(label)}` : ''}`,
        { token: tokens[who] },
      );
      if (res.status !== 200) throw new Error(`bundle for ${who}: ${res.status} ${res.text}`);
      const dir = await mkdtemp(join(dataDir, `bundle-${who}-`));
      for (const [name, bytes] of Object.entries(unzipSync(res.bytes))) {
        if (name.endsWith('/')) continue;
        await mkdir(join(dir, name, '..'), { recursive: true });
        await writeFile(join(dir, name), bytes, { mode: 0o600 });
      }
      await mkdir(join(dir, 'docker-config'));
      return dir;
    };
    const bundleDirs: Record<Account, string> = {
      admin: await downloadBundle('admin'),
      alice: await downloadBundle('alice'),
      bob: await downloadBundle('bob'),
    };
    const port = plane.port;
    const envFor = (dir: string | undefined): Record<string, string> =>
      dir === undefined
        ? { DOCKER_BUILDKIT: '0' }
        : {
            DOCKER_HOST: `tcp://127.0.0.1:${port}`,
            DOCKER_TLS_VERIFY: '1',
            DOCKER_CERT_PATH: dir,
            DOCKER_CONFIG: join(dir, 'docker-config'),
            DOCKER_BUILDKIT: '0',
          };
    const docker = (who: Account, args: string[], options: CliOptions = {}) => {
      const { tty, ...rest } = options;
      const [binary, argv] = tty
        ? ['script', ['-qec', [cli, ...args].map(quote).join(' '), '/dev/null']]
        : [cli, args];
      return runDockerCli(binary, envFor(bundleDirs[who]), argv, { timeoutMs: 60_000, ...rest });
    };
    const dockerWith = async (dir: string | undefined, args: string[], env: Record<string, string> = {}) => {
      if (dir !== undefined) await mkdir(join(dir, 'docker-config'), { recursive: true });
      return runDockerCli(cli, { ...envFor(dir), ...env }, args, { timeoutMs: 60_000 });
    };
    // The node is placed in /Shared/dev by its label, through the proxy, as an administrator would.
    const nodeId = (await docker('admin', ['node', 'ls', '-q'])).stdout.trim();
    await docker('admin', ['node', 'update', '--label-add', 'io.stevedore.collection=/Shared/dev', nodeId]);
    const started = plane;
    return {
      engine,
      plane: started,
      dataDir,
      call,
      tokens,
      bundleDirs,
      docker,
      dockerWith,
      downloadBundle,
      stop: async () => {
        await started.close();
        await engine.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await plane?.close();
    await engine.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
