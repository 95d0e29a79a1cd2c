/**
 * The reference registry (distribution/distribution, Debian's `docker-registry`), started privately for tests
 * and benchmarks: our registry is checked against it, and measured against it.
 *
 * Invariants:
 * - It never touches the machine's own registry: its own config file, its own storage directory, plain HTTP on
 *   a free loopback port, and an environment without REGISTRY_* variables (which would override the config).
 * - No authentication unless `auth` is given, deletes enabled, so it accepts everything a test or benchmark
 *   does to ours. Plain HTTP unless `tls` is given.
 * - `stop()` kills it and removes every file it made, unless the caller supplied the storage directory.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailedPreconditionError, UnavailableError } from '@stevedore/errors';
import { freePort } from './free-port.js';
import { ensureBinary, findBinary } from './install.js';
import { requireIntegrationTier } from './tier.js';

export interface ReferenceRegistryOptions {
  /** Where blobs and manifests go; a temp dir (removed on stop) by default. */
  readonly storageDir?: string;
  /** Parent of the temp dirs (config, default storage): the benchmark keeps both registries on one disk. */
  readonly parentDir?: string;
  /** How long to wait for `/v2/` to answer. */
  readonly startTimeoutMs?: number;
  /** Serve HTTPS with this certificate and key (PEM file paths); `caPem` is trusted to probe readiness. */
  readonly tls?: { readonly certificate: string; readonly key: string; readonly caPem: string };
  /** `auth: token` (distribution's token auth): tokens from `realm`, checked against `rootCertBundle`. */
  readonly tokenAuth?: {
    readonly realm: string;
    readonly service: string;
    readonly issuer: string;
    /** Path of a PEM file with the token signing certificate(s). */
    readonly rootCertBundle: string;
  };
}

export interface ReferenceRegistry {
  /** `http://127.0.0.1:PORT` (`https://` with `tls`) */
  readonly url: string;
  /** `127.0.0.1:PORT`, the form image references and skopeo use. */
  readonly host: string;
  readonly pid: number;
  readonly storageDir: string;
  stop(): Promise<void>;
}

/** The last lines the registry printed, for error messages. */
function tail(lines: string[], chunk: Buffer): void {
  lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  if (lines.length > 40) lines.splice(0, lines.length - 40);
}

function configFor(storageDir: string, port: number, options: ReferenceRegistryOptions): string {
  // JSON is YAML, so no YAML writer is needed. The in-memory blob descriptor cache is what Debian's
  // packaged config enables, i.e. the reference as people run it.
  return JSON.stringify(
    {
      version: '0.1',
      log: { level: 'error', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: storageDir },
        delete: { enabled: true },
        cache: { blobdescriptor: 'inmemory' },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: {
        addr: `127.0.0.1:${port}`,
        secret: randomBytes(16).toString('hex'),
        headers: { 'X-Content-Type-Options': ['nosniff'] },
        ...(options.tls ? { tls: { certificate: options.tls.certificate, key: options.tls.key } } : {}),
      },
      ...(options.tokenAuth
        ? {
            auth: {
              token: {
                realm: options.tokenAuth.realm,
                service: options.tokenAuth.service,
                issuer: options.tokenAuth.issuer,
                rootcertbundle: options.tokenAuth.rootCertBundle,
              },
            },
          }
        : {}),
    },
    null,
    2,
  );
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('REGISTRY_')) env[key] = value;
  }
  return env;
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The status `/v2/` answers (200; 401 under token auth). */
function probe(url: string, caPem: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(`${url}/v2/`, { ...(caPem ? { ca: caPem } : {}), agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

async function waitReady(
  url: string,
  child: ChildProcess,
  output: string[],
  timeoutMs: number,
  caPem: string | undefined,
  tokenAuth: boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new UnavailableError(
        `docker-registry exited (${child.exitCode ?? child.signalCode}) before serving ${url}: ${output.join(' | ')}`,
      );
    }
    try {
      const status = await probe(url, caPem);
      if (status === 200 || (status === 401 && tokenAuth)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new UnavailableError(
        `docker-registry did not answer on ${url}/v2/ within ${timeoutMs} ms: ${output.join(' | ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts Debian's `docker-registry` on a free loopback port; installs the package first when needed. */
export async function startReferenceRegistry(
  options: ReferenceRegistryOptions = {},
): Promise<ReferenceRegistry> {
  requireIntegrationTier('the reference registry');
  const binary = await ensureBinary('docker-registry', 'docker-registry');
  const setpriv = await findBinary('setpriv');
  const parent = options.parentDir ?? tmpdir();
  const workDir = await mkdtemp(join(parent, 'stevedore-reference-registry-'));
  const storageDir = options.storageDir ?? join(workDir, 'storage');
  const configPath = join(workDir, 'config.yml');
  let lastError: unknown;
  // A port found free can be taken before the registry binds it; a few attempts make that race harmless.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    await writeFile(configPath, configFor(storageDir, port, options));
    // setpriv (util-linux) execs the registry with a parent-death signal, so it cannot outlive a test process
    // that is killed; setpriv execs, so the pid stays the registry's own.
    const [command, args] = setpriv
      ? [setpriv, ['--pdeathsig', 'SIGTERM', '--', binary, 'serve', configPath]]
      : [binary, ['serve', configPath]];
    const child = spawn(command, args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout?.on('data', (c: Buffer) => tail(output, c));
    child.stderr?.on('data', (c: Buffer) => tail(output, c));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    try {
      await spawned;
      await waitReady(
        url,
        child,
        output,
        options.startTimeoutMs ?? 15_000,
        options.tls?.caPem,
        !!options.tokenAuth,
      );
    } catch (err) {
      lastError = err;
      child.kill('SIGKILL');
      await waitForExit(child, 5000);
      continue;
    }
    const pid = child.pid;
    if (pid === undefined) throw new FailedPreconditionError('docker-registry started without a pid');
    let stopped: Promise<void> | undefined;
    return {
      url,
      host: `127.0.0.1:${port}`,
      pid,
      storageDir,
      stop() {
        stopped ??= (async () => {
          child.kill('SIGTERM');
          if (!(await waitForExit(child, 5000))) {
            child.kill('SIGKILL');
            await waitForExit(child, 5000);
          }
          // The storage dir goes with workDir unless the caller supplied it (then it is theirs to keep).
          await rm(workDir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
  await rm(workDir, { recursive: true, force: true });
  throw new UnavailableError(
    `could not start the reference registry (docker-registry); check that 'docker-registry serve' runs here`,
    { cause: lastError, detail: { binary } },
  );
}
