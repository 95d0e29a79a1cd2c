/**
 * The token service's parts, composed over the platform's own services: identity proves who asks, the
 * repositories package decides what they may do, and the cluster's token signer (registry-auth's record
 * in the Store, its key sealed under the cluster CA key) signs. Also what a registry of this cluster needs
 * to verify those tokens: issuer, service, the signing certificates (followed in the Store) and the
 * authorizer its catalog and create-on-push use.
 */
import { UnauthenticatedError } from '@stevedore/errors';
import type { AuditBatcher } from '@stevedore/audit';
import type { Identity, VerifiedCredentials } from '@stevedore/identity';
import type { KeyAndCertificate } from '@stevedore/pki';
import { ensureTokenSigner, TokenIssuer } from '@stevedore/registry-auth';
import { RepositoryAuthorizer, type RegistrySubject } from '@stevedore/repositories';
import type { Store } from '@stevedore/store';
import type { TokenPrincipal, TokenServiceOptions } from './token-service.js';

/** The `iss` of every registry token of a Stevedore cluster. */
export const TOKEN_ISSUER = 'stevedore';
/** The registry's service name: the audience of its tokens (`service=` in challenges). */
export const REGISTRY_SERVICE = 'stevedore-registry';
/** How long the refresh token `docker login` receives lasts. */
const REFRESH_TOKEN_DAYS = 90;
const NOT_AUTHENTICATED =
  'the refresh token is not valid (it may have expired or been revoked); log in again';

/** The token's `sub` for a service account: its login name, which no user name can be (`+`). */
export function serviceAccountLogin(org: string, name: string): string {
  return `${org}+${name}`;
}

/** Who a token's `sub` names, for the registry's catalog and create-on-push. */
export function subjectOfToken(sub: string): RegistrySubject {
  if (sub === '') return { kind: 'anonymous' };
  const plus = sub.indexOf('+');
  return plus === -1
    ? { kind: 'user', name: sub }
    : { kind: 'service-account', org: sub.slice(0, plus), name: sub.slice(plus + 1) };
}

function principalOf(verified: VerifiedCredentials): TokenPrincipal {
  return verified.kind === 'service-account'
    ? {
        kind: 'service-account',
        subject: serviceAccountLogin(verified.org, verified.name),
        viaPassword: false,
      }
    : {
        kind: 'user',
        subject: verified.user.name,
        viaPassword: verified.via === 'password',
        admin: verified.user.admin,
      };
}

export interface RegistryAuthServiceOptions {
  readonly store: Store;
  readonly identity: Identity;
  readonly clusterCa: KeyAndCertificate;
  readonly audit: AuditBatcher;
  readonly now?: () => number;
}

export interface RegistryAuthService {
  readonly tokenService: TokenServiceOptions;
  readonly authorizer: RepositoryAuthorizer;
  /** The signing certificate's PEM (what a reference registry's `rootcertbundle` holds). */
  readonly signingCertificatePem: string;
}

export async function createRegistryAuthService(
  options: RegistryAuthServiceOptions,
): Promise<RegistryAuthService> {
  const { identity, store } = options;
  const now = options.now ?? Date.now;
  const signer = await ensureTokenSigner(store, options.clusterCa);
  const issuer = new TokenIssuer({
    issuer: TOKEN_ISSUER,
    privateKeyPem: signer.privateKeyPem,
    certificatePem: signer.certificatePem,
  });
  const authorizer = new RepositoryAuthorizer(store);
  const tokenService: TokenServiceOptions = {
    service: REGISTRY_SERVICE,
    issue: ({ subject, access }) => issuer.issue({ subject, audience: REGISTRY_SERVICE, access }),
    verify: async (username, secret, remoteAddress) =>
      principalOf(await identity.verifyCredentials(username, secret, { remoteAddress })),
    verifyRefreshToken: async (secret, remoteAddress) => {
      // A refresh token is an access token limited to the registry: its owner is in its record.
      const record = await identity.tokens.lookup(secret);
      if (!record) throw new UnauthenticatedError(NOT_AUTHENTICATED);
      return principalOf(await identity.verifyCredentials(record.user, secret, { remoteAddress }));
    },
    createRefreshToken: async (principal, remoteAddress) => {
      const expiresAt = new Date(now() + REFRESH_TOKEN_DAYS * 24 * 60 * 60 * 1000).toISOString();
      const created = await identity.tokens.create(principal.subject, {
        label: `docker login from ${remoteAddress}`.slice(0, 100),
        scope: 'registry',
        expiresAt,
        refresh: true,
      });
      return created.token;
    },
    actionsOn: (principal, repository) =>
      principal.kind === 'anonymous'
        ? authorizer.actions({ kind: 'anonymous' }, repository)
        : authorizer.actions(subjectOfToken(principal.subject), repository),
    audit: (record) => options.audit.add(record),
  };
  return { tokenService, authorizer, signingCertificatePem: signer.certificatePem };
}
