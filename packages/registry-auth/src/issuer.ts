/**
 * Issuing registry tokens: ES256 JWS with header `{alg: ES256, typ: JWT, kid}`, where `kid` is the libtrust
 * key id of the signing certificate's public key. That is what distribution's token auth (the reference
 * registry, `auth.token.rootcertbundle`) matches a token against when there is no `x5c` chain, so the same
 * token verifies in our registry and in the reference one.
 *
 * Invariants: the private key must belong to the certificate (checked once, at construction); `nbf` and
 * `iat` are the issue time and `exp` is `lifetimeSeconds` later (at least 60, the spec's floor for
 * `expires_in`); every token has a fresh random `jti`.
 */
import { type KeyObject, X509Certificate, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { InvalidArgumentError } from '@stevedore/errors';
import type { AccessEntry, TokenClaims } from './claims.js';
import { libtrustKeyId } from './key-id.js';
import type { Scope } from './scope.js';

export interface TokenIssuerOptions {
  /** The `iss` claim; registries are configured to trust this issuer. */
  readonly issuer: string;
  /** PKCS#8 PEM of the ECDSA P-256 signing key. */
  readonly privateKeyPem: string;
  /** The certificate of the signing key (the registries' trusted bundle lists it). */
  readonly certificatePem: string;
  readonly lifetimeSeconds?: number;
  /** Clock, in milliseconds (tests move it). */
  readonly now?: () => number;
}

export interface IssueRequest {
  readonly subject: string;
  /** The `service` the token is for (the registry's audience). */
  readonly audience: string;
  /** What the token grants: the intersection of what was asked and what the subject may do. */
  readonly access: readonly Scope[];
}

export interface IssuedToken {
  readonly token: string;
  /** Seconds from `issuedAt` the token is valid: the token response's `expires_in`. */
  readonly expiresIn: number;
  /** RFC 3339 UTC: the token response's `issued_at`. */
  readonly issuedAt: string;
}

export class TokenIssuer {
  readonly keyId: string;
  private readonly key: KeyObject;
  private readonly lifetimeSeconds: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenIssuerOptions) {
    this.lifetimeSeconds = options.lifetimeSeconds ?? 300;
    if (!Number.isInteger(this.lifetimeSeconds) || this.lifetimeSeconds < 60) {
      throw new InvalidArgumentError(
        `token lifetime must be a whole number of seconds, at least 60 (clients expect that much), got ${this.lifetimeSeconds}`,
      );
    }
    this.key = createPrivateKey(options.privateKeyPem);
    const details = this.key.asymmetricKeyDetails;
    if (this.key.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
      throw new InvalidArgumentError('the token signing key must be an ECDSA P-256 key (for ES256)');
    }
    const certKey = new X509Certificate(options.certificatePem).publicKey;
    const ownKey = createPublicKey(this.key);
    if (!certKey.equals(ownKey)) {
      throw new InvalidArgumentError(
        "the token signing key does not belong to the signing certificate: give the certificate's own key",
      );
    }
    this.keyId = libtrustKeyId(certKey);
    this.now = options.now ?? Date.now;
  }

  async issue(request: IssueRequest): Promise<IssuedToken> {
    const nowMs = this.now();
    const iat = Math.floor(nowMs / 1000);
    const access: AccessEntry[] = request.access.map((scope) => ({
      type: scope.type,
      ...(scope.class !== undefined ? { class: scope.class } : {}),
      name: scope.name,
      actions: [...scope.actions],
    }));
    const claims: TokenClaims = {
      iss: this.options.issuer,
      sub: request.subject,
      aud: request.audience,
      exp: iat + this.lifetimeSeconds,
      nbf: iat,
      iat,
      jti: randomBytes(16).toString('base64url'),
      access,
    };
    const token = await new SignJWT({ ...claims, access: claims.access.map((a) => ({ ...a })) })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.keyId })
      .sign(this.key);
    return { token, expiresIn: this.lifetimeSeconds, issuedAt: new Date(iat * 1000).toISOString() };
  }
}
