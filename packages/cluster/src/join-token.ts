/**
 * Join tokens, as Swarm's `SWMTKN-1-<ca digest>-<secret>`: `SDTKN-1-<digest>-<secret>`, where `digest` is
 * the SHA-256 of the cluster root CA certificate (DER, hex) and `secret` 20 random bytes (hex). A joining
 * node reads the manager's CA without trusting it, checks it against the digest, and from then on talks to
 * the manager only over TLS that chains to that CA: the token authenticates the manager to the node, and
 * its secret the node to the manager. Which role a token grants is told by its secret alone.
 */
import { createHash, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { InvalidArgumentError } from '@stevedore/errors';

export type NodeRole = 'worker' | 'manager';
export const NODE_ROLES: readonly NodeRole[] = ['worker', 'manager'];

const PREFIX = 'SDTKN';
const VERSION = '1';
const TOKEN = /^SDTKN-1-([0-9a-f]{64})-([0-9a-f]{40})$/;

export interface ParsedJoinToken {
  /** SHA-256 of the cluster root CA certificate's DER, hex. */
  readonly caDigest: string;
  readonly secret: string;
}

/** The digest a token carries for this CA certificate (PEM). */
export function caDigestOf(caCertPem: string): string {
  return createHash('sha256').update(new X509Certificate(caCertPem).raw).digest('hex');
}

export function newJoinSecret(): string {
  return randomBytes(20).toString('hex');
}

export function formatJoinToken(caDigest: string, secret: string): string {
  return `${PREFIX}-${VERSION}-${caDigest}-${secret}`;
}

/** Reads a token; a malformed one is an InvalidArgumentError that says what a token looks like. */
export function parseJoinToken(token: string): ParsedJoinToken {
  const match = TOKEN.exec(token.trim());
  if (!match) {
    throw new InvalidArgumentError(
      'that is not a join token: a token looks like SDTKN-1-<64 hex digits>-<40 hex digits>; copy it again from the Nodes page or GET /api/v1/cluster/join-tokens',
    );
  }
  return { caDigest: match[1]!, secret: match[2]! };
}

/** Constant-time comparison of two secrets of the token format. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
