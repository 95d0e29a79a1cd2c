/**
 * The token stage of the registry (`auth: 'token'`): one check before dispatch turns the access a route
 * declares (access.ts) into a pass or a refusal, per distribution's token auth and what docker does with it.
 *
 * - No bearer token, or one that does not verify: 401 UNAUTHORIZED with
 *   `WWW-Authenticate: Bearer realm,service,scope=<what the request needs>` (plus `error="invalid_token"`
 *   for a bad one); docker fetches a token for exactly that scope and retries.
 * - A valid token with no action at all on the resource: 401 with `error="insufficient_scope"`. The answer
 *   depends only on the request and the token, never on what the registry holds, so a private repository
 *   and a missing one look the same.
 * - A valid token with some action on the resource (the caller may see it) but not the one needed:
 *   403 DENIED.
 *
 * Verification goes through the TokenVerifier's cache: a repeated token costs a map lookup.
 */
import type { IncomingMessage } from 'node:http';
import {
  type Scope,
  type TokenVerifier,
  type VerifiedToken,
  bearerChallenge,
  formatScope,
} from '@stevedore/registry-auth';
import { checkName, registryError } from '@stevedore/registry-core';
import { isUnauthenticated } from '@stevedore/errors';
import type { Route } from './routes.js';
import { neededAccess } from './access.js';

/**
 * What the platform decides beyond the token (implemented by the controller over its repositories).
 */
export interface RegistryAuthorizer {
  /** Which repositories `subject` may pull: the catalog lists only those. */
  catalogFilter(subject: string): Promise<(name: string) => boolean>;
  /**
   * Called before a manifest PUT of `name` by `subject` stores anything: it creates (or confirms) the
   * repository; a refusal fails the PUT with nothing stored.
   */
  repositoryPushing?(name: string, subject: string): Promise<void>;
}

export interface TokenAuth {
  /** The token service's URL; a function gets the request's Host header. */
  readonly realm: string | ((requestHost: string | undefined) => string);
  readonly service: string;
  readonly verifier: TokenVerifier;
  readonly authorizer?: RegistryAuthorizer;
}

/** The caller of an authorized request. */
export interface RequestAccess {
  readonly subject: string;
  allows(type: string, name: string, action: string): boolean;
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;

function unauthorized(
  realm: string,
  auth: TokenAuth,
  needed: readonly Scope[],
  message: string,
  error?: 'invalid_token' | 'insufficient_scope',
) {
  const challenge = bearerChallenge({
    realm,
    service: auth.service,
    ...(needed.length > 0 ? { scope: needed } : {}),
    ...(error !== undefined ? { error } : {}),
  });
  return registryError('UNAUTHORIZED', message, {
    headers: { 'WWW-Authenticate': challenge },
    ...(needed.length > 0 ? { detail: { scope: needed.map(formatScope).join(' ') } } : {}),
  });
}

export async function authorize(
  auth: TokenAuth,
  req: IncomingMessage,
  route: Route,
  method: string,
  /** Gets the token's subject as soon as the token verified, also when the request is then refused. */
  seen?: { subject?: string },
): Promise<RequestAccess> {
  // An invalid name is refused as such (400) first: its grammar says nothing about what is stored.
  if (route.kind !== 'base' && route.kind !== 'catalog') checkName(route.name);
  const needed = neededAccess(route, method, auth.authorizer !== undefined);
  const realm = typeof auth.realm === 'string' ? auth.realm : auth.realm(req.headers.host);
  const header = req.headers.authorization;
  const match = header === undefined ? null : BEARER.exec(header);
  if (match === null) {
    throw unauthorized(
      realm,
      auth,
      needed,
      `authentication required: get a token from ${realm} and send it as a Bearer token`,
    );
  }
  let token: VerifiedToken;
  try {
    token = await auth.verifier.verify(match[1]!);
  } catch (err) {
    if (!isUnauthenticated(err)) throw err;
    throw unauthorized(realm, auth, needed, (err as Error).message, 'invalid_token');
  }
  if (seen) seen.subject = token.subject;
  for (const scope of needed) {
    const granted = token.actions(scope.type, scope.name);
    const lacking = scope.actions.filter((a) => !granted.has(a));
    if (lacking.length === 0) continue;
    if (granted.size === 0) {
      throw unauthorized(
        realm,
        auth,
        needed,
        `the token grants nothing on ${scope.type} ${scope.name}; the request needs ${formatScope(scope)}`,
        'insufficient_scope',
      );
    }
    throw registryError(
      'DENIED',
      `requested access to the resource is denied: ${token.subject || 'this token'} may not ${lacking.join(', ')} ${scope.name}`,
      { detail: { scope: formatScope(scope) } },
    );
  }
  return {
    subject: token.subject,
    allows: (type, name, action) => token.actions(type, name).has(action),
  };
}
