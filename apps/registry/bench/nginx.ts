/**
 * A private nginx (Debian's `nginx-light`) for the benchmark's third column: it serves the files under one
 * directory (our registry's blob storage) as static files with `sendfile on`, over plain HTTP and over TLS,
 * on free loopback ports. It is what "the machine's limit" looks like for a blob pull.
 *
 * Invariants: never the system service: its own prefix, config, pid file, error log and temp paths in a
 * temp dir, `daemon off` and `master_process off` (one process, the pid we hold, so its CPU time is read
 * from one /proc entry); started through setpriv's parent-death signal when available, so it cannot
 * outlive the benchmark; `stop()` kills it and removes the temp dir.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '@stevedore/errors';
import { ensureBinary, freePort, spawnTiedToParent } from '@stevedore/testkit';

export interface NginxOptions {
  /** Served as `/` over plain HTTP. */
  readonly plainRoot: string;
  /** Served as `/` over TLS. */
  readonly tlsRoot: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly parentDir: string;
}

export interface Nginx {
  readonly plainUrl: string;
  readonly tlsUrl: string;
  readonly pid: number;
  readonly version: string;
  stop(): Promise<void>;
}

function config(dir: string, o: NginxOptions, plainPort: number, tlsPort: number): string {
  const temp = (name: string): string => `${name} ${join(dir, name.replace('_path', ''))};`;
  return [
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} error;`,
    'events { worker_connections 256; }',
    'http {',
    '  access_log off;',
    '  sendfile on;',
    '  tcp_nopush on;',
    '  default_type application/octet-stream;',
    ...[
      'client_body_temp_path',
      'proxy_temp_path',
      'fastcgi_temp_path',
      'uwsgi_temp_path',
      'scgi_temp_path',
    ].map((name) => `  ${temp(name)}`),
    `  server { listen 127.0.0.1:${plainPort}; root ${o.plainRoot}; }`,
    `  server {`,
    `    listen 127.0.0.1:${tlsPort} ssl;`,
    `    ssl_certificate ${o.certPath};`,
    `    ssl_certificate_key ${o.keyPath};`,
    `    root ${o.tlsRoot};`,
    '  }',
    '}',
    '',
  ].join('\n');
}

async function answers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const binary = await ensureBinary('nginx', 'nginx-light');
  const dir = await mkdtemp(join(options.parentDir, 'stevedore-bench-nginx-'));
  for (const name of ['client_body_temp', 'proxy_temp', 'fastcgi_temp', 'uwsgi_temp', 'scgi_temp'])
    await mkdir(join(dir, name));
  const [plainPort, tlsPort] = [await freePort(), await freePort()];
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, config(dir, options, plainPort, tlsPort));
  const args = ['-p', dir, '-c', confPath, '-e', join(dir, 'error.log')];
  const child = await spawnTiedToParent(binary, args);
  const output: string[] = [];
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await answers(plainPort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new UnavailableError(`nginx did not start on 127.0.0.1:${plainPort}: ${output.join('').trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const version = await new Promise<string>((resolve) => {
    const v = spawn(binary, ['-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    v.stderr.on('data', (c: Buffer) => (text += c.toString('utf8')));
    v.on('close', () => resolve(text.trim().replace(/^nginx version: /, '')));
  });
  return {
    plainUrl: `http://127.0.0.1:${plainPort}`,
    tlsUrl: `https://127.0.0.1:${tlsPort}`,
    pid: child.pid ?? -1,
    version,
    stop,
  };
}
