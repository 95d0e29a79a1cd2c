/**
 * Sealing a secret under a CA's private key, for secrets that must live in the Store (which etcd keeps in
 * clear and every manager reads) but only be readable by a holder of the CA key: every manager has the
 * cluster CA's key, nothing else does.
 *
 * AES-256-GCM with a key derived by HKDF-SHA256 from the CA key's PKCS#8 bytes; `purpose` is HKDF's info,
 * so one CA key gives unrelated keys for unrelated secrets. The sealed form is a versioned string,
 * `v1.<iv>.<tag>.<ciphertext>` (base64url), so a later scheme can be told apart.
 *
 * Invariant: unsealing with another CA key, another purpose or a changed byte fails (the GCM tag), with a
 * FailedPreconditionError that says so, never garbage.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, hkdfSync, randomBytes } from 'node:crypto';
import { FailedPreconditionError } from '@stevedore/errors';

const VERSION = 'v1';

function keyFor(caKeyPem: string, purpose: string): Buffer {
  const der = createPrivateKey(caKeyPem).export({ type: 'pkcs8', format: 'der' });
  return Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), `stevedore seal: ${purpose}`, 32));
}

export function sealWithCaKey(caKeyPem: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(caKeyPem, purpose), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function unsealWithCaKey(caKeyPem: string, purpose: string, sealed: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new FailedPreconditionError(
      `cannot unseal the ${purpose}: it is not a sealed value of version ${VERSION}`,
    );
  }
  const [iv, tag, data] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(caKeyPem, purpose), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new FailedPreconditionError(
      `cannot unseal the ${purpose}: it was sealed under another cluster CA key, or changed since`,
      { cause: err },
    );
  }
}
