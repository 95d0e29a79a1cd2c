/**
 * The test image, built locally since no public registry can be reached: `FROM scratch` plus Debian's
 * static busybox and a symlink for every applet it has (sh, echo, cat, sleep, httpd, ...), a /tmp, and a
 * minimal /etc/passwd and /etc/group.
 *
 * Invariants:
 * - Nothing is pulled and no container runs during the build (the symlinks are made in the build context),
 *   so a build needs no network and no runtime.
 * - Builds are idempotent: the same busybox gives the same context, which the builder's cache turns into
 *   the same image id; within a process, one engine builds one tag once.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, mkdir, mkdtemp, readFile, rm, symlink, writeFile, copyFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FailedPreconditionError } from '@stevedore/errors';
import type { DockerEngine } from './docker-engine.js';
import { ensureBinary, installDebianPackage } from './install.js';

const run = promisify(execFile);

export const TEST_IMAGE_APPLETS = [
  'sh',
  'echo',
  'cat',
  'sleep',
  'ls',
  'wc',
  'head',
  'yes',
  'dd',
  'env',
  'hostname',
  'httpd',
] as const;

/** True when the ELF file has no PT_INTERP program header, i.e. needs no dynamic loader. */
export async function isStaticElf(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(64);
    await file.read(header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46) return false; // not ELF
    const is64 = header[4] === 2;
    const le = header[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64
      ? Number(le ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32))
      : u32(header, 28);
    const phentsize = u16(header, is64 ? 54 : 42);
    const phnum = u16(header, is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    await file.read(table, 0, table.length, phoff);
    const PT_INTERP = 3;
    for (let i = 0; i < phnum; i++) if (u32(table, i * phentsize) === PT_INTERP) return false;
    return true;
  } finally {
    await file.close();
  }
}

/** Path of a statically linked busybox, installing Debian's busybox-static when needed. */
export async function staticBusybox(): Promise<string> {
  const found = await ensureBinary('busybox', 'busybox-static');
  if (await isStaticElf(found)) return found;
  // Debian's dynamic `busybox` package and `busybox-static` both own /bin/busybox; installing the static
  // one replaces the other.
  await installDebianPackage(
    'busybox-static',
    `${found} is dynamically linked; test images need a static busybox`,
  );
  const again = await ensureBinary('busybox', 'busybox-static');
  if (!(await isStaticElf(again))) {
    throw new FailedPreconditionError(
      `${again} is still dynamically linked after installing busybox-static; ` +
        'make sure /bin/busybox comes from Debian package busybox-static (dpkg -S /bin/busybox)',
    );
  }
  return again;
}

async function applets(busybox: string): Promise<string[]> {
  const { stdout } = await run(busybox, ['--list']);
  const list = stdout.split('\n').filter((a) => /^[\w.[-]+$/.test(a) && a !== 'busybox');
  const missing = TEST_IMAGE_APPLETS.filter((a) => !list.includes(a));
  if (missing.length > 0) {
    throw new FailedPreconditionError(
      `${busybox} lacks applets ${missing.join(', ')}; install Debian's busybox-static`,
    );
  }
  return list;
}

const LABEL = 'io.stevedore.testkit.busybox-sha256';

interface BusyboxInfo {
  readonly path: string;
  readonly applets: string[];
  readonly sha256: string;
}

let busyboxInfo: Promise<BusyboxInfo> | undefined;

async function loadBusyboxInfo(): Promise<BusyboxInfo> {
  const path = await staticBusybox();
  const sha256 = createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
  return { path, applets: await applets(path), sha256 };
}

/**
 * Builds the busybox test image on `engine` as `tag` and returns its image id (`sha256:...`). When `tag`
 * already names an image built from the same busybox, that image is returned without a build.
 */
export async function buildTestImage(engine: DockerEngine, tag = 'stevedore/busybox:test'): Promise<string> {
  busyboxInfo ??= loadBusyboxInfo();
  const busybox = await busyboxInfo.catch((err: unknown) => {
    busyboxInfo = undefined;
    throw err;
  });
  const existing = await engine.request('GET', `/images/${encodeURIComponent(tag)}/json`);
  if (existing.status === 200) {
    const image = existing.json<{ Id: string; Config?: { Labels?: Record<string, string> | null } }>();
    if (image.Config?.Labels?.[LABEL] === busybox.sha256) return image.Id;
  }
  return build(engine, tag, busybox);
}

async function build(engine: DockerEngine, tag: string, busybox: BusyboxInfo): Promise<string> {
  const context = await mkdtemp('/tmp/stevedore-image-');
  try {
    const bin = join(context, 'rootfs', 'bin');
    await mkdir(bin, { recursive: true });
    await copyFile(busybox.path, join(bin, 'busybox'));
    await chmod(join(bin, 'busybox'), 0o755);
    await Promise.all(busybox.applets.map((name) => symlink('busybox', join(bin, name))));
    const etc = join(context, 'rootfs', 'etc');
    await mkdir(etc);
    await writeFile(
      join(etc, 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n',
    );
    await writeFile(join(etc, 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    await mkdir(join(context, 'rootfs', 'tmp'));
    await chmod(join(context, 'rootfs', 'tmp'), 0o1777);
    await mkdir(join(context, 'rootfs', 'root'));
    await writeFile(
      join(context, 'Dockerfile'),
      // No ENV PATH: the engine gives containers a default PATH that includes /bin, and every extra
      // instruction is another commit for the (legacy) builder.
      ['FROM scratch', 'COPY rootfs/ /', 'CMD ["sh"]', ''].join('\n'),
    );
    await engine.docker(
      ['build', '--quiet', '--label', `${LABEL}=${busybox.sha256}`, '--tag', tag, context],
      { timeoutMs: 120_000 },
    );
    // `build --quiet` prints the id, but older CLIs print it differently; inspect is the same everywhere.
    const { stdout } = await engine.docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
    return stdout.trim();
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
