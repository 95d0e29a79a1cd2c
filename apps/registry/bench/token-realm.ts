/**
 * The token side of the authenticated rows: a throwaway token service on loopback that answers
 * `GET /token?service=…&scope=…` with a token from registry-auth's `TokenIssuer` (granting what is asked:
 * the benchmark measures the registries, not authorization), and the client's part of the flow as docker
 * does it: `GET /v2/` → 401 with a Bearer challenge → one token request → the token cached and sent with
 * every request after.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InternalError } from '@stevedore/errors';
import { createCertificateAuthority, issueCertificate } from '@stevedore/pki';
import { TokenIssuer, parseScopes } from '@stevedore/registry-auth';
import { type Endpoint, expectStatus, header } from './http-load.js';

export const BENCH_ISSUER = 'stevedore-bench';
export const BENCH_SERVICE = 'stevedore-bench-registry';

export interface TokenRealm {
  /** `http://127.0.0.1:PORT/token` */
  readonly realm: string;
  /** The signing certificate both registries trust. */
  readonly signingCertPem: string;
  /** Tokens issued so far. */
  issued(): number;
  close(): Promise<void>;
}

export async function startTokenRealm(): Promise<TokenRealm> {
  const ca = await createCertificateAuthority({ commonName: 'stevedore bench token CA', validityDays: 1 });
  const signing = await issueCertificate(ca, {
    commonName: 'stevedore bench token signer',
    usage: 'signing',
    validityDays: 1,
  });
  // An hour: no token expires during a run.
  const issuer = new TokenIssuer({
    issuer: BENCH_ISSUER,
    privateKeyPem: signing.keyPem,
    certificatePem: signing.certPem,
    lifetimeSeconds: 3600,
  });
  let issued = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://realm');
    issuer
      .issue({
        subject: 'bench',
        audience: url.searchParams.get('service') ?? '',
        access: parseScopes(url.searchParams.getAll('scope')),
      })
      .then(
        (t) => {
          issued++;
          const body = JSON.stringify({
            token: t.token,
            access_token: t.token,
            expires_in: t.expiresIn,
            issued_at: t.issuedAt,
          });
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    signingCertPem: signing.certPem,
    issued: () => issued,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function challengeParam(challenge: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1];
}

/**
 * Logs `e` in as docker does: the challenge of `/v2/` names the realm and service; one token request for
 * `scopes`; the token is then sent with every request of `e`.
 */
export async function login(e: Endpoint, scopes: readonly string[]): Promise<void> {
  e.authorization = undefined;
  const probe = await e.request('/v2/', { method: 'GET', keepBody: true });
  expectStatus(probe, 401, 'GET /v2/ without a token', e);
  const challenge = header(probe, 'www-authenticate') ?? '';
  const realm = challengeParam(challenge, 'realm');
  const service = challengeParam(challenge, 'service');
  if (!/^Bearer /i.test(challenge) || realm === undefined || service === undefined) {
    throw new InternalError(`${e.label}: /v2/ answered an unexpected challenge: ${challenge}`);
  }
  const url = new URL(realm);
  url.searchParams.set('service', service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const res = await fetch(url);
  if (!res.ok) throw new InternalError(`${e.label}: the token service answered ${res.status}`);
  const { token } = (await res.json()) as { token: string };
  e.authorization = `Bearer ${token}`;
  const check = await e.request('/v2/', { method: 'GET', keepBody: true });
  expectStatus(check, 200, 'GET /v2/ with the token', e);
}
