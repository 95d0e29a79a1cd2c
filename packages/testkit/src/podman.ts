/**
 * `podman` (Debian) as a registry client for tests, isolated from the machine's configuration and from
 * every other podman: image pulls, tags, pushes, logins. Nothing here runs a container.
 *
 * Invariants:
 * - Every instance has private files in one temp dir: image storage (root and runroot, the `vfs` driver),
 *   libpod's tmp dir and event log, containers.conf, storage.conf, registries.conf, an accept-anything
 *   trust policy, an auth file and HOME; the machine's /etc/containers, /run/libpod and
 *   ~/.config/containers are never read or written. (Rootful podman still makes the empty
 *   /run/containers/networks, netavark's fixed run dir; nothing here uses a network.)
 * - With `caPem`, registries are reached over TLS verified against it (`--cert-dir` holding it as
 *   `ca.crt`); login, pull and push never fall back to plain HTTP.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError } from '@stevedore/errors';
import { ensureBinary } from './install.js';
import { requireIntegrationTier } from './tier.js';

export interface PodmanOptions {
  /** The CA that registries' certificates are verified against. */
  readonly caPem?: string;
}

export interface PodmanResult {
  readonly stdout: string;
  readonly stderr: string;
}

export interface Podman {
  /** Runs `podman <global flags> ...args`; rejects with podman's stderr when it exits non-zero. */
  run(args: readonly string[], input?: string): Promise<PodmanResult>;
  /** `--cert-dir <dir>` when a CA was given (for login, pull and push), else nothing. */
  readonly certArgs: readonly string[];
  /** The auth file `podman login` writes to. */
  readonly authFile: string;
  /** Removes the storage and configuration. */
  close(): Promise<void>;
}

const toml = (value: string) => JSON.stringify(value);

/** Installs podman if needed and prepares a private storage and configuration. */
export async function createPodman(options: PodmanOptions = {}): Promise<Podman> {
  requireIntegrationTier('podman');
  const binary = await ensureBinary('podman', 'podman');
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-podman-'));
  const home = join(dir, 'home');
  const userConfig = join(home, '.config', 'containers');
  const root = join(dir, 'root');
  const runroot = join(dir, 'runroot');
  const libpodTmp = join(dir, 'libpod-tmp');
  const tmp = join(dir, 'tmp');
  const certDir = join(dir, 'certs');
  const authFile = join(dir, 'auth.json');
  const containersConf = join(dir, 'containers.conf');
  const storageConf = join(dir, 'storage.conf');
  const registriesConf = join(dir, 'registries.conf');
  await Promise.all(
    [join(userConfig, 'registries.d'), root, runroot, libpodTmp, tmp, join(dir, 'networks')].map((d) =>
      mkdir(d, { recursive: true }),
    ),
  );
  // HOME's policy.json and registries.d are the ones containers/image prefers over /etc/containers.
  await writeFile(
    join(userConfig, 'policy.json'),
    JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }),
  );
  await writeFile(authFile, JSON.stringify({ auths: {} }));
  await writeFile(registriesConf, 'unqualified-search-registries = []\n');
  await writeFile(
    storageConf,
    `[storage]\ndriver = "vfs"\nrunroot = ${toml(runroot)}\ngraphroot = ${toml(root)}\n`,
  );
  await writeFile(
    containersConf,
    [
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${toml(join(dir, 'events.log'))}`,
      `tmp_dir = ${toml(libpodTmp)}`,
      `static_dir = ${toml(join(root, 'libpod'))}`,
      `volume_path = ${toml(join(root, 'volumes'))}`,
      '[network]',
      `network_config_dir = ${toml(join(dir, 'networks'))}`,
      '',
    ].join('\n'),
  );
  if (options.caPem !== undefined) {
    await mkdir(certDir);
    await writeFile(join(certDir, 'ca.crt'), options.caPem);
  }

  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    XDG_RUNTIME_DIR: join(dir, 'runtime'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    CONTAINERS_CONF: containersConf,
    CONTAINERS_STORAGE_CONF: storageConf,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    REGISTRY_AUTH_FILE: authFile,
    TMPDIR: tmp,
  };
  await mkdir(env['XDG_RUNTIME_DIR'] as string, { mode: 0o700 });
  const globalArgs = [
    '--root',
    root,
    '--runroot',
    runroot,
    '--storage-driver',
    'vfs',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
    '--tmpdir',
    libpodTmp,
  ];

  function run(args: readonly string[], input?: string): Promise<PodmanResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        binary,
        [...globalArgs, ...args],
        { env, maxBuffer: 64 << 20, timeout: 180_000 },
        (err, stdout, stderr) => {
          if (err) {
            reject(
              new InternalError(`podman ${args.join(' ')} failed: ${stderr.trim() || err.message}`, {
                cause: err,
                detail: { args: [...args] },
              }),
            );
          } else {
            resolve({ stdout, stderr });
          }
        },
      );
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    });
  }

  return {
    run,
    certArgs: options.caPem !== undefined ? ['--cert-dir', certDir] : [],
    authFile,
    async close() {
      // vfs layers are plain directories; removing them needs no podman (and no mounts are left).
      await rm(dir, { recursive: true, force: true });
    },
  };
}
