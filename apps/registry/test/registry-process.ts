/**
 * Our registry as a separate process, started exactly as a user starts it (`stevedore registry serve`), for
 * the tests that kill it and for the benchmark (a separate process, as the reference registry is).
 *
 * We run the CLI's bin with this Node rather than through `npx`, so the pid we hold is the server's own and
 * SIGKILL reaches it (npx would leave the server running as its orphaned child).
 */
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { fileURLToPath } from 'node:url';
import { UnavailableError } from '@stevedore/errors';
import { freePort, spawnTiedToParent } from '@stevedore/testkit';

export const STEVEDORE_BIN = fileURLToPath(new URL('../../cli/bin/stevedore.js', import.meta.url));

export interface RegistryProcess {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly pid: number;
  readonly dataDir: string;
  /** What the server printed (last lines), for assertion messages. */
  output(): string;
  /** Sends `signal` and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM (drain), then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export interface RegistryProcessOptions {
  /** Serve HTTPS (`--tls-cert`, `--tls-key`: PEM file paths); `caPem` is trusted to probe readiness. */
  readonly tls?: { readonly certificate: string; readonly key: string; readonly caPem: string };
}

/** The status `/v2/` answers, over HTTP or HTTPS. */
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

/** Starts `stevedore registry serve --auth none` on a free loopback port and waits until `/v2/` answers. */
export async function startRegistryProcess(
  dataDir: string,
  timeoutMs = 30_000,
  options: RegistryProcessOptions = {},
): Promise<RegistryProcess> {
  // freePort() answers a port that was free a moment ago; another process can bind it before the server
  // does, and then the server exits with EADDRINUSE: new ports are worth another try.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(dataDir, timeoutMs, await freePort(), options);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof UnavailableError) || !/EADDRINUSE/.test(err.message)) throw err;
    }
  }
}

async function startOnce(
  dataDir: string,
  timeoutMs: number,
  port: number,
  options: RegistryProcessOptions,
): Promise<RegistryProcess> {
  const host = `127.0.0.1:${port}`;
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  const args = [
    STEVEDORE_BIN,
    'registry',
    'serve',
    '--listen',
    host,
    '--data-dir',
    dataDir,
    '--auth',
    'none',
    ...(options.tls ? ['--tls-cert', options.tls.certificate, '--tls-key', options.tls.key] : []),
  ];
  // Dies with this process, so a killed test leaves no registry behind.
  const child = await spawnTiedToParent(process.execPath, args);
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = (): string => lines.join('\n');
  // After 'exit', stderr can still hold the reason; 'close' comes once it is read.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited(child)) {
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
      throw new UnavailableError(
        `'stevedore registry serve' exited (${child.exitCode ?? child.signalCode}) before answering on ${url}:\n${output()}`,
      );
    }
    try {
      if ((await probe(url, options.tls?.caPem)) === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new UnavailableError(
        `'stevedore registry serve' did not answer on ${url}/v2/ within ${timeoutMs} ms:\n${output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid ?? -1;
  let stopping: Promise<void> | undefined;
  return {
    url,
    host,
    pid,
    dataDir,
    output,
    async kill(signal) {
      child.kill(signal);
      await waitForExit(child, 10_000);
    },
    stop() {
      stopping ??= (async () => {
        if (exited(child)) return;
        child.kill('SIGTERM');
        if (!(await waitForExit(child, 10_000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 5000);
        }
      })();
      return stopping;
    },
  };
}

/** Runs `stevedore registry fsck --data-dir DIR`; resolves with its exit code and output. */
export function runFsck(dataDir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [STEVEDORE_BIN, 'registry', 'fsck', '--data-dir', dataDir],
      { timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** Resident memory (kB) of `pid` and its descendants: VmRSS now, and VmHWM (the peak since start). */
export async function memoryOfTree(pid: number): Promise<{ rssKb: number; hwmKb: number }> {
  let rssKb = 0;
  let hwmKb = 0;
  const pending = [pid];
  for (let p = pending.pop(); p !== undefined; p = pending.pop()) {
    try {
      const status = await readFile(`/proc/${p}/status`, 'utf8');
      rssKb += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      hwmKb += Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      for (const task of await readdir(`/proc/${p}/task`)) {
        const children = await readFile(`/proc/${p}/task/${task}/children`, 'utf8').catch(() => '');
        for (const c of children.split(' ').filter(Boolean)) pending.push(Number(c));
      }
    } catch {
      // the process exited meanwhile
    }
  }
  return { rssKb, hwmKb };
}
