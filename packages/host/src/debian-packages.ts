/**
 * Makes sure a binary from a Debian package is on this machine (for `stevedore up` and for tests). When it
 * is missing and we run as root on Debian, the package is installed with apt-get (once per process per
 * package, `apt-get update` at most once); otherwise the caller gets an error that says what to install.
 *
 * Concurrent test files may race to install: apt's own lock serializes them, and we retry while it is held.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { FailedPreconditionError } from '@stevedore/errors';

const run = promisify(execFile);

/** Debian puts daemons in sbin dirs that a non-login PATH may lack. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export async function findBinary(name: string): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

let aptUpdated: Promise<void> | undefined;
const installing = new Map<string, Promise<void>>();

async function apt(args: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (let attempt = 0; ; attempt++) {
    try {
      await run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { env, maxBuffer: 64 << 20 });
      return;
    } catch (err) {
      // Another process holding the lock past the timeout, or a transient mirror hiccup: try a few times.
      if (attempt >= 2) throw err;
      await new Promise((r) => setTimeout(r, 2000 * (attempt + 1)));
    }
  }
}

async function installPackage(pkg: string): Promise<void> {
  aptUpdated ??= apt(['update', '-qq']);
  await aptUpdated;
  await apt(['install', '-y', '-qq', '--no-install-recommends', pkg]);
}

/**
 * Installs Debian package `pkg` (once per process), e.g. to replace a binary that is present but unfit
 * (a dynamically linked busybox where a static one is needed). Throws FailedPrecondition with the install
 * command when we are not root on Debian.
 */
export async function installDebianPackage(pkg: string, why: string): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  const isDebian = existsSync('/etc/debian_version');
  if (!isRoot || !isDebian) {
    throw new FailedPreconditionError(
      `${why}. Install it with: sudo apt-get install -y ${pkg}` +
        (isDebian ? '' : ` (or your distribution's equivalent of Debian's '${pkg}')`),
      { detail: { package: pkg } },
    );
  }
  let pending = installing.get(pkg);
  if (!pending) {
    pending = installPackage(pkg);
    installing.set(pkg, pending);
  }
  try {
    await pending;
  } catch (err) {
    installing.delete(pkg);
    throw new FailedPreconditionError(`installing Debian package '${pkg}' failed (${why})`, {
      cause: err,
      detail: { package: pkg },
    });
  }
}

/**
 * Returns the absolute path of `binary`, installing Debian package `pkg` first when it is missing and we
 * may. Throws FailedPrecondition with the install command when we may not.
 */
export async function ensureBinary(binary: string, pkg: string): Promise<string> {
  const found = await findBinary(binary);
  if (found) return found;
  await installDebianPackage(pkg, `'${binary}' is not installed`);
  const installed = await findBinary(binary);
  if (!installed) {
    throw new FailedPreconditionError(`Debian package '${pkg}' installed, but '${binary}' is still missing`, {
      detail: { binary, package: pkg },
    });
  }
  return installed;
}
