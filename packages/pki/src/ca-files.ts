/**
 * A CA kept in the data dir: `<dir>/<name>.pem` (certificate, 0644) and `<dir>/<name>-key.pem` (PKCS#8
 * private key, 0600, in a 0700 directory). Made on first use, loaded afterwards.
 *
 * The key file is written to a temporary name, fsynced and renamed, so a crash never leaves a CA whose
 * certificate exists without its key; an existing pair is never overwritten.
 */
import { mkdir, open, readFile, rename, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError } from '@stevedore/errors';
import { createCertificateAuthority, type KeyAndCertificate } from './certificates.js';

async function writeAtomically(path: string, data: string, mode: number): Promise<void> {
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

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function loadOrCreateCa(
  dir: string,
  name: string,
  options: { commonName: string; organization?: string; validityDays: number },
): Promise<KeyAndCertificate & { created: boolean }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}-key.pem`);
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (certPem !== undefined && keyPem !== undefined) return { certPem, keyPem, created: false };
  if (certPem !== undefined || keyPem !== undefined) {
    throw new FailedPreconditionError(
      `${dir} holds only half of the ${name} CA (${certPem ? 'no key' : 'no certificate'}); ` +
        'restore both files from a backup, or remove the remaining one to make a new CA (every certificate it issued stops being trusted)',
    );
  }
  const ca = await createCertificateAuthority(options);
  // Key first: a certificate on disk always has its key beside it.
  await writeAtomically(keyPath, ca.keyPem, 0o600);
  await writeAtomically(certPath, ca.certPem, 0o644);
  return { ...ca, created: true };
}
