// `stevedore registry serve|fsck` as a user runs them, through the bin shim.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const bin = fileURLToPath(new URL('../../bin/stevedore.js', import.meta.url));

async function stevedore(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The environment without STEVEDORE_* configuration, so the command sees only its defaults and flags. */
function withoutStevedoreEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STEVEDORE_')));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Serving {
  readonly child: ChildProcess;
  readonly port: number;
  /** The first thing the server printed on stdout. */
  readonly line: string;
  readonly exited: Promise<number | null>;
}

/**
 * Spawns `stevedore` with `argsFor(port)` on a free port and resolves once it printed on stdout. A port
 * found free can be bound by another process before the server binds it: on EADDRINUSE, another port.
 */
async function serveOnFreePort(
  argsFor: (port: number) => string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Serving> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [bin, ...argsFor(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const line = await new Promise<string | undefined>((resolve) => {
      child.stdout.once('data', (b: Buffer) => resolve(b.toString()));
      void exited.then(() => resolve(undefined));
    });
    if (line !== undefined) return { child, port, line, exited };
    if (attempt >= 3 || !/another process is listening there/.test(stderr))
      throw new Error(`serve exited before listening: ${stderr}`);
  }
}

describe('stevedore registry', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stevedore-cli-registry-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it("refuses token auth (the platform registry is `up`'s) and auth none off loopback, saying what to do", async () => {
    const token = await stevedore([
      'registry',
      'serve',
      '--data-dir',
      dir,
      '--listen',
      '127.0.0.1:5999',
      '--auth',
      'token',
    ]);
    assert.equal(token.code, 2);
    assert.match(
      token.stderr,
      /FAILED_PRECONDITION: a standalone registry has no token service: run `stevedore up`/,
    );
    const open = await stevedore([
      'registry',
      'serve',
      '--data-dir',
      dir,
      '--listen',
      '0.0.0.0:5999',
      '--auth',
      'none',
    ]);
    assert.equal(open.code, 2);
    assert.match(open.stderr, /--allow-insecure-auth/);
  });

  it('says which setting to change when the address is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const res = await stevedore(['registry', 'serve', '--data-dir', dir, '--listen', `127.0.0.1:${port}`]);
      assert.equal(res.code, 2, res.stderr);
      assert.match(
        res.stderr,
        new RegExp(
          `UNAVAILABLE: the registry cannot listen on 127\\.0\\.0\\.1:${port}: another process is listening there\\. Choose another address with --listen`,
        ),
      );
      assert.doesNotMatch(res.stderr, /INTERNAL|\n\s+at /, 'no stack trace');
    } finally {
      taken.close();
    }
  });

  it('starts on the configuration defaults: auth none, SQLite in the data dir, loopback', async () => {
    // Only what must differ is set: the data dir (the default, /var/lib/stevedore, is the machine's) and the
    // port, since 5443 may be taken on a shared machine (another registry, a parallel run). The default
    // address itself, 127.0.0.1:5443, is checked through `stevedore config show` in config.test.ts.
    const dataDir = join(dir, 'defaults');
    const { child, port, line, exited } = await serveOnFreePort(
      (port) => ['registry', 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`],
      withoutStevedoreEnv(),
    );
    try {
      assert.match(line, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      assert.equal(res.status, 200, 'no credentials needed: auth none');
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
      assert.ok((await readdir(dataDir)).includes('store.db'), 'the SQLite store lives in the data dir');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  it('refuses a data dir it cannot use, and fsck of one without registry data, naming --data-dir', async () => {
    const unusable = await stevedore(['registry', 'serve', '--data-dir', '/dev/null/stevedore']);
    assert.equal(unusable.code, 2);
    assert.match(
      unusable.stderr,
      /FAILED_PRECONDITION: cannot use the data dir \/dev\/null\/stevedore .*--data-dir/,
    );
    const missing = join(dir, 'never-served');
    const fsck = await stevedore(['registry', 'fsck', '--data-dir', missing]);
    assert.equal(fsck.code, 2);
    assert.match(fsck.stderr, /NOT_FOUND: no registry data in .*never-served.*--data-dir/);
    await assert.rejects(readdir(missing), { code: 'ENOENT' }, 'fsck creates nothing');
  });

  it('serves, says where, drains on SIGTERM and exits 0; fsck then passes, and fails on a damaged blob', async () => {
    const dataDir = join(dir, 'data');
    const { child, port, line, exited } = await serveOnFreePort((port) => [
      'registry',
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
      '--data-dir',
      dataDir,
      '--auth',
      'none',
    ]);
    try {
      assert.match(line, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`));
      const data = 'cli blob';
      const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      const res = await fetch(`http://127.0.0.1:${port}/v2/cli/test/blobs/uploads/?digest=${digest}`, {
        method: 'POST',
        body: data,
      });
      assert.equal(res.status, 201);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);

    const healthy = await stevedore(['registry', 'fsck', '--data-dir', dataDir]);
    assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
    assert.match(healthy.stdout, /checked 1 blobs.*\n.*ok/);

    const algorithmDir = join(dataDir, 'blobs', 'sha256');
    const prefix = (await readdir(algorithmDir))[0]!;
    const encoded = (await readdir(join(algorithmDir, prefix)))[0]!;
    await writeFile(join(algorithmDir, prefix, encoded, 'data'), 'damaged');
    const damaged = await stevedore(['registry', 'fsck', '--data-dir', dataDir]);
    assert.equal(damaged.code, 1);
    assert.match(damaged.stdout, new RegExp(`blob-corrupt: blob sha256:${encoded}`));
  });
});
