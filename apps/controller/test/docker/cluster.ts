/**
 * The Docker API test cluster: the platform (platform.ts) with three accounts holding real client bundles,
 * and the real docker CLI pointed at the controller through each bundle (`DOCKER_HOST`,
 * `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`, as `source env.sh` sets them, plus a private DOCKER_CONFIG).
 *
 * Accounts, as the issue's table has them:
 * - admin: administrator;
 * - alice: Full Control on /Shared/dev (and Restricted Control on her private collection, as every user);
 * - bob: View Only and Scheduler on /Shared/dev, and Restricted Control on /Shared/Private/bob.
 * The engine's one node is labelled into /Shared/dev, so alice may schedule services on it and bob may see it.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBinary, runDockerCli, type DockerCliOptions, type DockerCliResult } from '@stevedore/testkit';
import { IMAGE, PASSWORD, startPlatform, type Platform } from './platform.js';

export { IMAGE };
export type Account = 'admin' | 'alice' | 'bob';
/**
 * `tty`: run the CLI under a pseudo-terminal (`script`), as `docker run -it` needs; `bundleDir`: with another
 * bundle of the account than its first (one a test revokes).
 */
export type CliOptions = DockerCliOptions & { readonly tty?: boolean; readonly bundleDir?: string };

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export interface DockerCluster extends Platform {
  readonly tokens: Record<Account, string>;
  /** The unzipped bundle of each account. */
  readonly bundleDirs: Record<Account, string>;
  docker(who: Account, args: string[], options?: CliOptions): Promise<DockerCliResult>;
  /** The CLI with the bundle unzipped in `dir` (or none: then `env` says where to go). */
  dockerWith(dir: string | undefined, args: string[], env?: Record<string, string>): Promise<DockerCliResult>;
  /** Downloads another bundle for `who` into a fresh directory. */
  downloadBundle(who: Account, label?: string): Promise<string>;
}

export async function startDockerCluster(): Promise<DockerCluster> {
  const platform = await startPlatform('0.1.0-test');
  try {
    const { asAdmin, dataDir } = platform;
    for (const name of ['alice', 'bob']) await asAdmin('POST', '/api/v1/users', { name, password: PASSWORD });
    await asAdmin('POST', '/api/v1/collections', { path: '/Shared/dev' });
    const grant = (user: string, roleId: string) =>
      asAdmin('POST', '/api/v1/grants', {
        subject: { kind: 'user', id: user },
        roleId,
        collection: '/Shared/dev',
      });
    await grant('alice', 'full-control');
    await grant('bob', 'view-only');
    // Plain containers run on the engine's node, which is in /Shared/dev: bob may schedule there.
    await grant('bob', 'scheduler');
    const tokens: Record<Account, string> = {
      admin: await platform.login('admin'),
      alice: await platform.login('alice'),
      bob: await platform.login('bob'),
    };

    const cli = await ensureBinary('docker', 'docker.io');
    const downloadBundle = async (who: Account, label?: string): Promise<string> => {
      const files = await platform.bundleOf(tokens[who], label ? `?label=${encodeURIComponent(label)}` : '');
      const dir = await mkdtemp(join(dataDir, `bundle-${who}-`));
      for (const [name, bytes] of Object.entries(files)) {
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
    const envFor = (dir: string | undefined): Record<string, string> =>
      dir === undefined
        ? { DOCKER_BUILDKIT: '0' }
        : {
            DOCKER_HOST: `tcp://127.0.0.1:${platform.plane.port}`,
            DOCKER_TLS_VERIFY: '1',
            DOCKER_CERT_PATH: dir,
            DOCKER_CONFIG: join(dir, 'docker-config'),
            DOCKER_BUILDKIT: '0',
          };
    const docker = (who: Account, args: string[], options: CliOptions = {}) => {
      const { tty, bundleDir, ...rest } = options;
      const [binary, argv] = tty
        ? ['script', ['-qec', [cli, ...args].map(quote).join(' '), '/dev/null']]
        : [cli, args];
      return runDockerCli(binary, envFor(bundleDir ?? bundleDirs[who]), argv, { timeoutMs: 60_000, ...rest });
    };
    const dockerWith = async (dir: string | undefined, args: string[], env: Record<string, string> = {}) => {
      if (dir !== undefined) await mkdir(join(dir, 'docker-config'), { recursive: true });
      return runDockerCli(cli, { ...envFor(dir), ...env }, args, { timeoutMs: 60_000 });
    };
    // The node is placed in /Shared/dev by its label, through the proxy, as an administrator would.
    const nodeId = (await docker('admin', ['node', 'ls', '-q'])).stdout.trim();
    await docker('admin', ['node', 'update', '--label-add', 'io.stevedore.collection=/Shared/dev', nodeId]);
    return { ...platform, tokens, bundleDirs, docker, dockerWith, downloadBundle };
  } catch (err) {
    await platform.stop();
    throw err;
  }
}
