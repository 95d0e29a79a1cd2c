/**
 * Content digests (OCI image spec, descriptor.md#digests): parsing, and hashing while bytes stream past.
 *
 * The grammar is `algorithm ":" encoded`; we accept the two registered algorithms, sha256 (64 lower-case
 * hex) and sha512 (128), and refuse every other algorithm or a malformed value with DIGEST_INVALID, so no
 * caller ever handles a digest it cannot verify.
 */
import { type Hash, createHash } from 'node:crypto';
import { registryError } from './errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const ENCODED_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };
const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export interface Digest {
  readonly algorithm: DigestAlgorithm;
  readonly encoded: string;
  /** The canonical `algorithm:encoded` string. */
  readonly value: string;
}

export function isDigestAlgorithm(value: string): value is DigestAlgorithm {
  return value === 'sha256' || value === 'sha512';
}

export function parseDigestAlgorithm(value: string): DigestAlgorithm {
  if (isDigestAlgorithm(value)) return value;
  throw registryError('DIGEST_INVALID', `unsupported digest algorithm "${value}": use sha256 or sha512`, {
    detail: { algorithm: value },
  });
}

/** Parses a digest or throws DIGEST_INVALID saying what is wrong with it. */
export function parseDigest(value: string): Digest {
  if (!GRAMMAR.test(value)) {
    throw registryError(
      'DIGEST_INVALID',
      `"${value}" is not a digest: expected algorithm:hex, e.g. sha256:<64 hex>`,
      {
        detail: { digest: value },
      },
    );
  }
  const colon = value.indexOf(':');
  const algorithm = parseDigestAlgorithm(value.slice(0, colon));
  const encoded = value.slice(colon + 1);
  if (encoded.length !== ENCODED_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(encoded)) {
    throw registryError(
      'DIGEST_INVALID',
      `"${value}" is not a valid ${algorithm} digest: expected ${ENCODED_LENGTH[algorithm]} lower-case hex characters`,
      { detail: { digest: value } },
    );
  }
  return { algorithm, encoded, value };
}

/** True when `value` looks like a digest (has a colon); tags never do. */
export function looksLikeDigest(value: string): boolean {
  return value.includes(':');
}

/** A running hash over streamed bytes; `copy()` lets an upload keep hashing across chunks. */
export class Digester {
  private constructor(
    readonly algorithm: DigestAlgorithm,
    private readonly hash: Hash,
  ) {}

  static create(algorithm: DigestAlgorithm): Digester {
    return new Digester(algorithm, createHash(algorithm));
  }

  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }

  /** A copy to keep hashing from; the original can be finished without disturbing it. */
  copy(): Digester {
    return new Digester(this.algorithm, this.hash.copy());
  }

  /** Finishes this hash; the Digester cannot be used afterwards. */
  digest(): string {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}

export function digestOf(data: Buffer, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Hashes a whole stream (used to re-verify an upload after a restart, and by fsck). */
export async function digestStream(
  source: AsyncIterable<Buffer>,
  algorithm: DigestAlgorithm,
): Promise<string> {
  const digester = Digester.create(algorithm);
  for await (const chunk of source) digester.update(chunk);
  return digester.digest();
}
