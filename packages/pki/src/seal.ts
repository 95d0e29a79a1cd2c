/**
 * Sealing a secret for the Store (which etcd keeps in clear and every manager reads) so that only a
 * manager can read it: under the cluster CA's private key (`sealWithCaKey`: every manager has it, nothing
 * else does), or under the cluster key (`sealWithClusterKey`: the 32 bytes a manager gets when it joins,
 * which seal the CA keys themselves).
 *
 * AES-256-GCM with a key derived by HKDF-SHA256 from the secret's bytes (the CA key's PKCS#8 DER, or the
 * cluster key); `purpose` is HKDF's info, so one secret gives unrelated keys for unrelated secrets. The
 * sealed form is a versioned string, `v1.<iv>.<tag>.<ciphertext>` (base64url), so a later scheme can be
 * told apart.
 *
 * Invariant: unsealing with another key, another purpose or a changed byte fails (the GCM tag), with a
 * FailedPreconditionError that says so, never garbage.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, hkdfSync, randomBytes } from 'node:crypto';
import { FailedPreconditionError } from '@stevedore/errors';

const VERSION = 'v1';

const caKeyBytes = (caKeyPem: string): Buffer =>
  createPrivateKey(caKeyPem).export({ type: 'pkcs8', format: 'der' });

function keyFor(secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `stevedore seal: ${purpose}`, 32));
}

export function sealWithCaKey(caKeyPem: string, purpose: string, plaintext: string): string {
  return seal(caKeyBytes(caKeyPem), purpose, plaintext);
}

export function unsealWithCaKey(caKeyPem: string, purpose: string, sealed: string): string {
  return unseal(caKeyBytes(caKeyPem), purpose, sealed, 'sealed under another cluster CA key');
}

/** The cluster key is 32 random bytes (`clusterKey.length` is checked: a short key is refused). */
export function sealWithClusterKey(clusterKey: Buffer, purpose: string, plaintext: string): string {
  return seal(checkedClusterKey(clusterKey), purpose, plaintext);
}

export function unsealWithClusterKey(clusterKey: Buffer, purpose: string, sealed: string): string {
  return unseal(checkedClusterKey(clusterKey), purpose, sealed, 'sealed under another cluster key');
}

function checkedClusterKey(key: Buffer): Buffer {
  if (key.length !== 32) {
    throw new FailedPreconditionError(`a cluster key is 32 bytes; this one has ${key.length}`);
  }
  return key;
}

function seal(secret: Buffer, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, purpose), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

function unseal(secret: Buffer, purpose: string, sealed: string, otherKey: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new FailedPreconditionError(
      `cannot unseal the ${purpose}: it is not a sealed value of version ${VERSION}`,
    );
  }
  const [iv, tag, data] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, purpose), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new FailedPreconditionError(`cannot unseal the ${purpose}: it was ${otherKey}, or changed since`, {
      cause: err,
    });
  }
}
