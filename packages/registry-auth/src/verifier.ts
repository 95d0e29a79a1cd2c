/**
 * Verifying registry tokens on the registry's hot path. jose checks the signature (ES256 only: `none`,
 * HMAC and every other algorithm are refused before any key is looked at), `iss`, `aud`, `exp` and `nbf`
 * (with `clockToleranceSeconds` of leeway); the key is the trusted certificate whose libtrust key id is the
 * token's `kid`.
 *
 * Invariants:
 * - Every refusal is an UnauthenticatedError whose message says why (expired, not yet valid, wrong
 *   audience, wrong issuer, unknown key, bad signature, algorithm, malformed); `detail.reason` names it.
 * - Verified tokens are cached by their exact string until their `exp` (never past it, whatever the
 *   tolerance), at most `cacheSize` of them (oldest dropped first), so a client repeating its token costs a
 *   map lookup. A refused token is never cached. A cached token stays valid until its exp even if its key
 *   leaves the trusted set meanwhile: at most one token lifetime (minutes).
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { type JWTHeaderParameters, errors as joseErrors, jwtVerify } from 'jose';
import { UnauthenticatedError } from '@stevedore/errors';
import { verifiedClaimsSchema } from './claims.js';
import { libtrustKeyId } from './key-id.js';

/** A trusted signing certificate, PEM. */
export type SigningCertificate = string;

export interface TokenVerifierOptions {
  /** The `iss` a token must carry. */
  readonly issuer: string;
  /** The `aud` a token must carry: this registry's service name. */
  readonly audience: string;
  /** The trusted signing certificates (read on each lookup of an unknown token, so rotation is seen). */
  readonly keys: () => readonly SigningCertificate[];
  readonly clockToleranceSeconds?: number;
  /** Clock, in milliseconds (tests move it). */
  readonly now?: () => number;
  /** Most verified tokens kept. Default 10,000. */
  readonly cacheSize?: number;
}

export interface VerifiedToken {
  readonly subject: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  /** The actions the token grants on one resource (the resource class is ignored); `*` implies all. */
  actions(type: string, name: string): ReadonlySet<string>;
}

export type RefusalReason =
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'unknown-key'
  | 'bad-signature'
  | 'algorithm'
  | 'malformed';

/** Longer tokens are refused unread (an access list of dozens of repositories stays far below). */
const MAX_TOKEN_LENGTH = 16 * 1024;
const ALL_REPOSITORY_ACTIONS = ['pull', 'push', 'delete', '*'];

function refuse(reason: RefusalReason, message: string, cause?: unknown): UnauthenticatedError {
  return new UnauthenticatedError(`registry token refused: ${message}`, {
    detail: { reason },
    ...(cause !== undefined ? { cause } : {}),
  });
}

function verifiedToken(subject: string, expiresAt: number, access: Map<string, Set<string>>): VerifiedToken {
  const none: ReadonlySet<string> = new Set();
  return {
    subject,
    expiresAt,
    actions: (type, name) => access.get(`${type}\n${name}`) ?? none,
  };
}

export class TokenVerifier {
  private readonly cache = new Map<string, VerifiedToken>();
  private trusted = new Map<string, { kid: string; key: KeyObject }>();
  private readonly toleranceSeconds: number;
  private readonly cacheSize: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    this.toleranceSeconds = options.clockToleranceSeconds ?? 30;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<VerifiedToken> {
    const now = this.now();
    const cached = this.cache.get(token);
    if (cached !== undefined) {
      if (now < cached.expiresAt) return cached;
      this.cache.delete(token);
    }
    const verified = await this.verifyUncached(token, now);
    if (now < verified.expiresAt) this.remember(token, verified, now);
    return verified;
  }

  private remember(token: string, verified: VerifiedToken, now: number): void {
    if (this.cache.size >= this.cacheSize) {
      for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
      // Still full: drop the oldest entries (a Map iterates in insertion order).
      for (const key of this.cache.keys()) {
        if (this.cache.size < this.cacheSize) break;
        this.cache.delete(key);
      }
    }
    this.cache.set(token, verified);
  }

  private async verifyUncached(token: string, now: number): Promise<VerifiedToken> {
    if (token === '' || token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) {
      throw refuse('malformed', 'not a signed JWT (three base64url parts separated by dots)');
    }
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.keyFor(header), {
        algorithms: ['ES256'],
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.toleranceSeconds,
        currentDate: new Date(now),
      }));
    } catch (err) {
      throw translate(err, this.options);
    }
    const parsed = verifiedClaimsSchema.safeParse(payload);
    if (!parsed.success)
      throw refuse('malformed', `its claims are malformed: ${parsed.error.issues[0]?.message}`);
    const access = new Map<string, Set<string>>();
    for (const entry of parsed.data.access) {
      const key = `${entry.type}\n${entry.name}`;
      const set = access.get(key) ?? new Set<string>();
      for (const action of entry.actions) {
        if (action === '*' && entry.type === 'repository') ALL_REPOSITORY_ACTIONS.forEach((a) => set.add(a));
        else set.add(action);
      }
      access.set(key, set);
    }
    return verifiedToken(parsed.data.sub, parsed.data.exp * 1000, access);
  }

  private keyFor(header: JWTHeaderParameters): KeyObject {
    const kid = header.kid;
    if (typeof kid !== 'string' || kid === '') throw refuse('unknown-key', 'it names no signing key (kid)');
    const found = this.trustedKeys().get(kid);
    if (found === undefined) {
      throw refuse(
        'unknown-key',
        `it is signed by key ${kid.slice(0, 64)}, which this registry does not trust`,
      );
    }
    return found;
  }

  /** kid → key of the trusted certificates; parses only certificates not seen on the last call. */
  private trustedKeys(): Map<string, KeyObject> {
    const next = new Map<string, { kid: string; key: KeyObject }>();
    for (const pem of this.options.keys()) {
      const known = this.trusted.get(pem);
      if (known) {
        next.set(pem, known);
        continue;
      }
      try {
        const key = new X509Certificate(pem).publicKey;
        next.set(pem, { kid: libtrustKeyId(key), key });
      } catch {
        // An unreadable certificate trusts nothing; the others still count.
      }
    }
    this.trusted = next;
    return new Map([...next.values()].map((t) => [t.kid, t.key]));
  }
}

function translate(err: unknown, options: TokenVerifierOptions): UnauthenticatedError {
  if (err instanceof UnauthenticatedError) return err;
  if (err instanceof joseErrors.JWTExpired) return refuse('expired', 'it has expired; get a new one', err);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return refuse('not-yet-valid', 'it is not valid yet (nbf is in the future; check the clocks)', err);
      case 'aud':
        return refuse('wrong-audience', `it is for another service, not "${options.audience}"`, err);
      case 'iss':
        return refuse('wrong-issuer', `it was not issued by "${options.issuer}"`, err);
      default:
        return refuse('malformed', `its ${err.claim} claim is ${err.reason}`, err);
    }
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    return refuse('algorithm', 'only ES256-signed tokens are accepted', err);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return refuse('bad-signature', 'its signature does not verify', err);
  }
  return refuse('malformed', 'it is not a valid JWT', err);
}
