/**
 * The registry token service (the Docker registry token specification): `GET /auth/token` with HTTP Basic
 * credentials or none, and `POST /auth/token` with the OAuth2 password and refresh-token grants.
 *
 * Each scope is granted only as far as the caller's rights go, and dropped otherwise (never refused), so
 * a token for a private repository one may not see looks exactly like one for a missing repository. Bad
 * requests (a malformed scope, another service, a repeated field) are refused with a message; wrong
 * credentials with one generic message (throttled with `/auth/login`'s throttle).
 *
 * `GET /auth/token/certificates` gives the signing certificates (PEM), for a registry of another kind that
 * should accept these tokens (distribution's `auth.token.rootcertbundle`).
 *
 * Errors: GET answers the registry's `{"errors":[{code,message}]}` (plus `details`, which the docker CLI
 * prints); POST answers OAuth2's `{"error","error_description"}` (RFC 6749, section 5.2).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  InvalidArgumentError,
  isStevedoreError,
  UnauthenticatedError,
  type StevedoreError,
} from '@stevedore/errors';
import type { AuditRecord } from '@stevedore/audit';
import { parseScopes, type Scope } from '@stevedore/registry-auth';
import { basicCredentials, formField, requiredField } from './credentials.js';
import { formatGranted, grantScopes } from './grant.js';

export type TokenPrincipal =
  | {
      readonly kind: 'user' | 'service-account';
      /** The token's `sub`: a user name, or a service account's login name. */
      readonly subject: string;
      /** A password (not a token) proved it: only then is a refresh token handed out. */
      readonly viaPassword: boolean;
      /** An administrator: the only one granted `registry:catalog:*`. */
      readonly admin?: boolean;
    }
  | { readonly kind: 'anonymous'; readonly subject: '' };

export const ANONYMOUS: TokenPrincipal = { kind: 'anonymous', subject: '' };

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
  /** ISO 8601 */
  readonly issuedAt: string;
}

export interface TokenServiceOptions {
  /** The registry's service name: the only audience this service issues tokens for. */
  readonly service: string;
  issue(input: { readonly subject: string; readonly access: readonly Scope[] }): Promise<IssuedToken>;
  /** A password or an access token of `username`; Unauthenticated (throttled) otherwise. */
  verify(username: string, secret: string, remoteAddress: string): Promise<TokenPrincipal>;
  verifyRefreshToken(secret: string, remoteAddress: string): Promise<TokenPrincipal>;
  /** A long-lived, registry-only credential for a user who signed in with a password. */
  createRefreshToken(principal: TokenPrincipal, remoteAddress: string): Promise<string>;
  actionsOn(principal: TokenPrincipal, repository: string): Promise<ReadonlySet<string>>;
  audit(record: AuditRecord): void;
  /** The signing certificates registries must trust (public): `GET /auth/token/certificates`. */
  certificates?(): readonly string[];
}

const PATH = '/auth/token';
const OAUTH_ERRORS: Partial<Record<StevedoreError['code'], string>> = {
  INVALID_ARGUMENT: 'invalid_request',
  UNAUTHENTICATED: 'invalid_grant',
  RESOURCE_EXHAUSTED: 'invalid_grant',
  FAILED_PRECONDITION: 'unsupported_grant_type',
};
const REGISTRY_CODES: Partial<Record<StevedoreError['code'], string>> = {
  INVALID_ARGUMENT: 'INVALID_REQUEST',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  RESOURCE_EXHAUSTED: 'TOOMANYREQUESTS',
  FAILED_PRECONDITION: 'UNSUPPORTED',
};

export function registerTokenService(app: FastifyInstance, options: TokenServiceOptions): void {
  void app.register((scoped, _opts, done) => {
    scoped.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_req, body, parsed) => parsed(null, new URLSearchParams(body as string)),
    );
    scoped.get(PATH, (request, reply) => answer(request, reply, 'get', options));
    scoped.post(PATH, (request, reply) => answer(request, reply, 'post', options));
    // What another registry (distribution's `auth.token.rootcertbundle`) needs to trust these tokens.
    scoped.get(`${PATH}/certificates`, (_request, reply) =>
      reply.header('content-type', 'application/x-pem-file').send((options.certificates?.() ?? []).join('')),
    );
    done();
  });
}

interface Outcome {
  principal: TokenPrincipal;
  scopes: readonly string[];
  /** The user name a failed attempt gave, for the audit entry. */
  attempted?: string;
}

async function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  form: 'get' | 'post',
  options: TokenServiceOptions,
): Promise<FastifyReply> {
  const outcome: Outcome = { principal: ANONYMOUS, scopes: [] };
  reply.header('Cache-Control', 'no-store');
  try {
    const body =
      form === 'get'
        ? await tokenByGet(request, options, outcome)
        : await tokenByPost(request, options, outcome);
    record(options, request, outcome, 200, body.scope);
    return reply.code(200).send(body.answer);
  } catch (err) {
    const failure = failureOf(err);
    if (failure.unexpected) request.log.error({ err }, 'token request failed unexpectedly');
    record(options, request, outcome, failure.status, undefined, failure.message);
    if (failure.status === 401 && form === 'get') reply.header('WWW-Authenticate', 'Basic realm="Stevedore"');
    if (failure.retryAfter !== undefined) reply.header('Retry-After', failure.retryAfter);
    return reply
      .code(failure.status)
      .send(
        form === 'get'
          ? { errors: [{ code: failure.registryCode, message: failure.message }], details: failure.message }
          : { error: failure.oauthCode, error_description: failure.message },
      );
  }
}

function queryOf(request: FastifyRequest): URLSearchParams {
  const url = request.url;
  const q = url.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
}

function checkService(options: TokenServiceOptions, service: string | undefined): void {
  if (service !== undefined && service !== options.service) {
    throw new InvalidArgumentError(
      `this token service issues tokens for the registry ${JSON.stringify(options.service)}, not ` +
        `${JSON.stringify(service)}: check the registry's auth settings (service)`,
      { detail: { field: 'service' } },
    );
  }
}

async function tokenByGet(request: FastifyRequest, options: TokenServiceOptions, outcome: Outcome) {
  const query = queryOf(request);
  checkService(options, formField(query, 'service'));
  const scopes = parseScopes(query.getAll('scope'));
  outcome.scopes = query.getAll('scope');
  const credentials = basicCredentials(request.headers.authorization);
  if (credentials) outcome.attempted = credentials.username;
  const principal = credentials
    ? await options.verify(credentials.username, credentials.secret, request.ip)
    : ANONYMOUS;
  outcome.principal = principal;
  const offline = formField(query, 'offline_token') === 'true';
  const issued = await issueFor(options, principal, scopes);
  const refresh =
    offline && principal.kind !== 'anonymous' && principal.viaPassword
      ? await options.createRefreshToken(principal, request.ip)
      : undefined;
  return {
    scope: issued.scope,
    answer: {
      token: issued.token.token,
      access_token: issued.token.token,
      expires_in: issued.token.expiresIn,
      issued_at: issued.token.issuedAt,
      ...(refresh !== undefined ? { refresh_token: refresh } : {}),
    },
  };
}

async function tokenByPost(request: FastifyRequest, options: TokenServiceOptions, outcome: Outcome) {
  const form = request.body;
  if (!(form instanceof URLSearchParams)) {
    throw new InvalidArgumentError(
      'send the OAuth2 form as "Content-Type: application/x-www-form-urlencoded"',
    );
  }
  const grantType = requiredField(form, 'grant_type');
  checkService(options, requiredField(form, 'service'));
  requiredField(form, 'client_id');
  const scopes = parseScopes(form.getAll('scope'));
  outcome.scopes = form.getAll('scope');
  let principal: TokenPrincipal;
  let refresh: string | undefined;
  if (grantType === 'password') {
    const username = requiredField(form, 'username');
    outcome.attempted = username;
    principal = await options.verify(username, requiredField(form, 'password'), request.ip);
    outcome.principal = principal;
    if (
      formField(form, 'access_type') === 'offline' &&
      principal.kind !== 'anonymous' &&
      principal.viaPassword
    ) {
      refresh = await options.createRefreshToken(principal, request.ip);
    }
  } else if (grantType === 'refresh_token') {
    principal = await options.verifyRefreshToken(requiredField(form, 'refresh_token'), request.ip);
    outcome.principal = principal;
  } else {
    throw new InvalidArgumentError(
      `grant_type ${JSON.stringify(grantType)} is not supported: use password or refresh_token`,
      { detail: { field: 'grant_type' } },
    );
  }
  const issued = await issueFor(options, principal, scopes);
  return {
    scope: issued.scope,
    answer: {
      access_token: issued.token.token,
      scope: issued.scope,
      expires_in: issued.token.expiresIn,
      issued_at: issued.token.issuedAt,
      ...(refresh !== undefined ? { refresh_token: refresh } : {}),
    },
  };
}

async function issueFor(
  options: TokenServiceOptions,
  principal: TokenPrincipal,
  scopes: readonly Scope[],
): Promise<{ token: IssuedToken; scope: string }> {
  const access = await grantScopes(scopes, {
    actionsOn: (repository) => options.actionsOn(principal, repository),
    // Our registry filters its catalog by the caller and asks no scope for it; a registry that trusts these
    // tokens but does not filter (distribution) must list everything only to administrators.
    mayListCatalog: principal.kind === 'user' && principal.admin === true,
  });
  const token = await options.issue({ subject: principal.subject, access });
  return { token, scope: formatGranted(access) };
}

interface Failure {
  readonly status: number;
  readonly message: string;
  readonly registryCode: string;
  readonly oauthCode: string;
  readonly retryAfter?: string;
  readonly unexpected: boolean;
}

function failureOf(err: unknown): Failure {
  if (!isStevedoreError(err)) {
    return {
      status: 500,
      message: 'An internal error occurred. The server log has the details; please report it.',
      registryCode: 'UNKNOWN',
      oauthCode: 'server_error',
      unexpected: true,
    };
  }
  const status = err instanceof UnauthenticatedError ? 401 : err.httpStatus;
  const retry = err.detail?.['retryAfterSeconds'];
  return {
    status,
    message: err.message,
    registryCode: REGISTRY_CODES[err.code] ?? err.code,
    oauthCode: OAUTH_ERRORS[err.code] ?? 'invalid_request',
    ...(typeof retry === 'number' ? { retryAfter: String(retry) } : {}),
    unexpected: false,
  };
}

function record(
  options: TokenServiceOptions,
  request: FastifyRequest,
  outcome: Outcome,
  status: number,
  granted: string | undefined,
  error?: string,
): void {
  options.audit({
    actor: outcome.principal.kind === 'anonymous' ? 'anonymous' : outcome.principal.subject,
    action: 'registry.token',
    target: outcome.scopes.join(' ').slice(0, 500) || 'registry',
    remoteAddress: request.ip,
    result: status === 200 ? 'success' : 'failure',
    status,
    detail:
      granted !== undefined
        ? { granted }
        : { error, ...(outcome.attempted !== undefined ? { user: outcome.attempted } : {}) },
  });
}
