/**
 * A CA kept in a directory: `<dir>/<name>.pem` (certificate, 0644) and `<dir>/<name>-key.pem` (PKCS#8
 * private key, 0600, in a 0700 directory). `loadOrCreateCa` makes one on first use and loads it
 * afterwards; `readCa` and `writeCa` are the two halves, for a caller whose CA comes from elsewhere (the
 * cluster's, from the Store).
 *
 * Files are written to a temporary name, fsynced and renamed, key first, so a crash never leaves a
 * certificate without its key; half a CA on disk is refused, never silently replaced.
 */
import { mkdir, open, readFile, rename, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError } from '@stevedore/errors';
import { createCertificateAuthority, type KeyAndCertificate } from './certificates.js';

export async function writeAtomically(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const file = await open(tmp, 'w', mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A private directory (0700, also when it existed with a looser mode). */
export async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** The CA in `dir`, or undefined when neither file is there; half a CA fails. */
export async function readCa(dir: string, name: string): Promise<KeyAndCertificate | undefined> {
  const [certPem, keyPem] = await Promise.all([
    readIfExists(join(dir, `${name}.pem`)),
    readIfExists(join(dir, `${name}-key.pem`)),
  ]);
  if (certPem !== undefined && keyPem !== undefined) return { certPem, keyPem };
  if (certPem === undefined && keyPem === undefined) return undefined;
  throw new FailedPreconditionError(
    `${dir} holds only half of the ${name} CA (${certPem ? 'no key' : 'no certificate'}); ` +
      'restore both files from a backup, or remove the remaining one to make a new CA (every certificate it issued stops being trusted)',
  );
}

/** Writes (or replaces) the CA's two files, key first. */
export async function writeCa(dir: string, name: string, ca: KeyAndCertificate): Promise<void> {
  await privateDir(dir);
  await writeAtomically(join(dir, `${name}-key.pem`), ca.keyPem, 0o600);
  await writeAtomically(join(dir, `${name}.pem`), ca.certPem, 0o644);
}

export async function loadOrCreateCa(
  dir: string,
  name: string,
  options: { commonName: string; organization?: string; validityDays: number },
): Promise<KeyAndCertificate & { created: boolean }> {
  await privateDir(dir);
  const existing = await readCa(dir, name);
  if (existing) return { ...existing, created: false };
  const ca = await createCertificateAuthority(options);
  await writeCa(dir, name, ca);
  return { ...ca, created: true };
}
