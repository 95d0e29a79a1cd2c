/**
 * Password hashing with scrypt (memory-hard), stored as a PHC-style string that carries its own
 * parameters: `$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>`. Verification reads the parameters from the
 * string, so the defaults can be raised later and old hashes still verify (and are upgraded at the next
 * successful login, see `login.ts`).
 *
 * Invariants: passwords are never logged, never stored, never returned, never put into an error message.
 * Comparison is constant-time. A hash string that cannot be parsed verifies as false (never throws with
 * its content).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '@stevedore/errors';
import type { KdfSettings } from './settings.js';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Longer passwords only cost CPU; 1 KiB is far above any passphrase. */
const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, kdf: KdfSettings): Promise<Buffer> {
  const N = 2 ** kdf.log2N;
  // scrypt needs 128·N·r bytes (plus p blocks); node's default cap (32 MiB) is exactly too small for N=2^15.
  const maxmem = 128 * N * kdf.r * 2 + 128 * kdf.r * kdf.p + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r: kdf.r, p: kdf.p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export function checkPassword(password: unknown, minLength: number): string {
  if (typeof password !== 'string' || password.length < minLength) {
    throw new InvalidArgumentError(
      `the password must be at least ${minLength} characters long; choose a longer one`,
      {
        detail: { field: 'password', minLength },
      },
    );
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidArgumentError(`the password must be at most ${MAX_PASSWORD_LENGTH} characters long`, {
      detail: { field: 'password', maxLength: MAX_PASSWORD_LENGTH },
    });
  }
  return password;
}

export async function hashPassword(password: string, kdf: KdfSettings): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, kdf);
  return `$scrypt$ln=${kdf.log2N},r=${kdf.r},p=${kdf.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

function parse(hash: string): { kdf: KdfSettings; salt: Buffer; key: Buffer } | undefined {
  const m = PHC.exec(hash);
  if (!m) return undefined;
  const [, ln, r, p, salt, key] = m;
  const kdf = { log2N: Number(ln), r: Number(r), p: Number(p) };
  if (kdf.log2N < 1 || kdf.log2N > 24 || kdf.r < 1 || kdf.p < 1) return undefined;
  return { kdf, salt: Buffer.from(salt ?? '', 'base64'), key: Buffer.from(key ?? '', 'base64') };
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parse(hash);
  if (!parsed || parsed.key.length !== KEY_LENGTH) return false;
  const key = await derive(password, parsed.salt, parsed.kdf);
  return timingSafeEqual(key, parsed.key);
}

/** True when the hash was made with other parameters than `kdf` (so it should be re-made). */
export function needsRehash(hash: string, kdf: KdfSettings): boolean {
  const parsed = parse(hash);
  return !parsed || parsed.kdf.log2N !== kdf.log2N || parsed.kdf.r !== kdf.r || parsed.kdf.p !== kdf.p;
}
