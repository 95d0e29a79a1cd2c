/**
 * `skopeo` (Debian) as a registry client for tests, isolated from the machine's configuration.
 *
 * Invariants:
 * - Every run uses private files: an accept-anything trust policy, an empty auth file, an empty
 *   registries.conf and registries.d, its own temp dir and HOME; the machine's /etc/containers and
 *   ~/.config/containers are never read.
 * - TLS verification is off (our test registries speak plain HTTP on loopback), so skopeo falls back to HTTP,
 *   except for the hosts `verify` names: those are reached over TLS verified against its CA (as `ca.crt` in a
 *   private cert dir), with no fallback.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError } from '@stevedore/errors';
import { ensureBinary } from './install.js';
import { requireIntegrationTier } from './tier.js';

export interface SkopeoResult {
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface Skopeo {
  /** Runs `skopeo <global flags> ...args`; rejects with skopeo's stderr when it exits non-zero. */
  run(args: readonly string[]): Promise<SkopeoResult>;
  /** `skopeo copy` between two image references (`docker://127.0.0.1:PORT/repo:tag`, `oci:DIR:tag`, ...). */
  copy(source: string, destination: string, extraArgs?: readonly string[]): Promise<void>;
  /** The manifest bytes exactly as the source serves them (`skopeo inspect --raw`), e.g. with `--creds`. */
  inspectRaw(reference: string, extraArgs?: readonly string[]): Promise<Buffer>;
  /** Removes the private configuration. */
  close(): Promise<void>;
}

export interface SkopeoOptions {
  /** Registries (`host:port`) whose TLS is verified against `caPem`; every other one is plain HTTP. */
  readonly verify?: { readonly hosts: readonly string[]; readonly caPem: string };
}

/** Installs skopeo if needed and prepares its private configuration. */
export async function createSkopeo(options: SkopeoOptions = {}): Promise<Skopeo> {
  requireIntegrationTier('skopeo');
  const binary = await ensureBinary('skopeo', 'skopeo');
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-skopeo-'));
  const policy = join(dir, 'policy.json');
  const authFile = join(dir, 'auth.json');
  const registriesConf = join(dir, 'registries.conf');
  const registriesD = join(dir, 'registries.d');
  const tmp = join(dir, 'tmp');
  const home = join(dir, 'home');
  await Promise.all([mkdir(registriesD), mkdir(tmp), mkdir(home)]);
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  await writeFile(authFile, JSON.stringify({ auths: {} }));
  await writeFile(registriesConf, 'unqualified-search-registries = []\n');
  const certDir = join(dir, 'certs');
  if (options.verify) {
    await mkdir(certDir);
    await writeFile(join(certDir, 'ca.crt'), options.verify.caPem);
  }
  const verified = new Set(options.verify?.hosts ?? []);
  /** TLS flags for one side of a call (`src-`, `dest-` or `` for inspect) given the reference it names. */
  const tlsFlags = (side: string, reference: string): string[] => {
    if (!reference.startsWith('docker://')) return [];
    const host = reference.slice('docker://'.length).split('/')[0] ?? '';
    return verified.has(host)
      ? [`--${side}tls-verify=true`, `--${side}cert-dir`, certDir]
      : [`--${side}tls-verify=false`];
  };

  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    XDG_RUNTIME_DIR: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    REGISTRY_AUTH_FILE: authFile,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    TMPDIR: tmp,
  };
  const globalArgs = ['--policy', policy, '--registries.d', registriesD, '--tmpdir', tmp];

  function run(args: readonly string[]): Promise<SkopeoResult> {
    return new Promise((resolve, reject) => {
      execFile(
        binary,
        [...globalArgs, ...args],
        { env, encoding: 'buffer', maxBuffer: 64 << 20, timeout: 120_000 },
        (err, stdout, stderr) => {
          const errText = stderr.toString('utf8');
          if (err) {
            reject(
              new InternalError(`skopeo ${args.join(' ')} failed: ${errText.trim() || err.message}`, {
                cause: err,
                detail: { args: [...args] },
              }),
            );
          } else {
            resolve({ stdout, stderr: errText });
          }
        },
      );
    });
  }

  return {
    run,
    async copy(source, destination, extraArgs = []) {
      await run([
        'copy',
        '--quiet',
        ...tlsFlags('src-', source),
        ...tlsFlags('dest-', destination),
        ...extraArgs,
        source,
        destination,
      ]);
    },
    async inspectRaw(reference, extraArgs = []) {
      return (await run(['inspect', '--raw', ...tlsFlags('', reference), ...extraArgs, reference])).stdout;
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
