/**
 * Bearer secrets (session tokens and access tokens): 256 random bits, base64url. Only their SHA-256 is
 * stored, so a copy of the Store (a backup, an etcd snapshot) holds nothing that authenticates. SHA-256
 * without salt is right here, unlike for passwords: the secrets are random, so there is nothing to guess.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Access tokens carry a prefix so secret scanners (and `authenticate`) can tell them from sessions. */
export const ACCESS_TOKEN_PREFIX = 'sdt_';

export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
