import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { isUnauthenticated } from '@stevedore/errors';
import { type KeyAndCertificate, createCertificateAuthority, issueCertificate } from '@stevedore/pki';
import { libtrustKeyId, keyIdOfCertificate } from './key-id.js';
import { TokenIssuer } from './issuer.js';
import { TokenVerifier } from './verifier.js';
import { parseScopes } from './scope.js';

const ISSUER = 'stevedore-controller';
const SERVICE = 'stevedore-registry';
const T = Date.UTC(2026, 0, 1) / 1;

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('registry tokens', () => {
  let ca: KeyAndCertificate;
  let signer: KeyAndCertificate;
  let other: KeyAndCertificate;
  let verifier: TokenVerifier;
  let clock = T;
  const issuerAt = (at: number, options: { issuer?: string; key?: KeyAndCertificate } = {}) =>
    new TokenIssuer({
      issuer: options.issuer ?? ISSUER,
      privateKeyPem: (options.key ?? signer).keyPem,
      certificatePem: (options.key ?? signer).certPem,
      now: () => at,
    });
  const issue = (at = T, audience = SERVICE, options: { issuer?: string; key?: KeyAndCertificate } = {}) =>
    issuerAt(at, options).issue({
      subject: 'alice',
      audience,
      access: parseScopes(['repository:lib/app:pull']),
    });

  before(async () => {
    ca = await createCertificateAuthority({ commonName: 'test cluster CA', validityDays: 1 });
    signer = await issueCertificate(ca, { commonName: 'signer', usage: 'signing', validityDays: 1 });
    other = await issueCertificate(ca, { commonName: 'other', usage: 'signing', validityDays: 1 });
    verifier = new TokenVerifier({
      issuer: ISSUER,
      audience: SERVICE,
      keys: () => [signer.certPem],
      now: () => clock,
    });
  });

  it('computes the libtrust key id of the spec example key', () => {
    // The key of distribution's "Token Authentication Implementation" example, and the kid the spec gives it.
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: 'm7zUpx3b-zmVE5cymSs64POG9QcyEpJaYCD82-549_Q',
      y: 'dU3biz8sZ_8GPB-odm8Wxz3lNDr1xcAQQPQaOcr1fmc',
    };
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    assert.equal(libtrustKeyId(key), 'PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6');
  });

  it('issues an ES256 JWT with the libtrust kid, verified back with its access', async () => {
    const issued = await issuerAt(T).issue({
      subject: 'alice',
      audience: SERVICE,
      access: parseScopes(['repository:lib/app:pull,push', 'repository:lib/all:*', 'registry:catalog:*']),
    });
    assert.equal(issued.expiresIn, 300);
    assert.equal(issued.issuedAt, new Date(T).toISOString());
    const [header, payload] = issued.token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    assert.deepEqual(header, { alg: 'ES256', typ: 'JWT', kid: keyIdOfCertificate(signer.certPem) });
    assert.match(String(header?.['kid']), /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    assert.equal(payload!['aud'], SERVICE);
    assert.equal(payload!['exp'], T / 1000 + 300);
    const token = await verifier.verify(issued.token);
    assert.equal(token.subject, 'alice');
    assert.equal(token.expiresAt, T + 300_000);
    assert.deepEqual([...token.actions('repository', 'lib/app')].sort(), ['pull', 'push']);
    assert.deepEqual([...token.actions('repository', 'lib/all')].sort(), ['*', 'delete', 'pull', 'push']);
    assert.deepEqual([...token.actions('registry', 'catalog')], ['*']);
    assert.equal(token.actions('repository', 'lib/other').size, 0);
  });

  it('refuses a signing key that does not belong to the certificate', () => {
    assert.throws(
      () => new TokenIssuer({ issuer: ISSUER, privateKeyPem: other.keyPem, certificatePem: signer.certPem }),
      /does not belong to the signing certificate/,
    );
  });

  const handBuilt = async (header: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT({
      sub: 'alice',
      access: [{ type: 'repository', name: 'lib/app', actions: ['pull', 'push'] }],
    })
      .setProtectedHeader(header as { alg: string })
      .setIssuer(ISSUER)
      .setAudience(SERVICE)
      .setIssuedAt(T / 1000)
      .setExpirationTime(T / 1000 + 300)
      .sign(key);

  const bad: [string, () => Promise<string>, string][] = [
    ['expired', async () => (await issue(T - 400_000)).token, 'expired'],
    ['not yet valid', async () => (await issue(T + 120_000)).token, 'not-yet-valid'],
    ['for another service', async () => (await issue(T, 'another-registry')).token, 'wrong-audience'],
    [
      'from another issuer',
      async () => (await issue(T, SERVICE, { issuer: 'mallory' })).token,
      'wrong-issuer',
    ],
    [
      'signed by an untrusted key',
      async () => (await issue(T, SERVICE, { key: other })).token,
      'unknown-key',
    ],
    [
      'signed by another key under the trusted kid',
      () =>
        handBuilt({ alg: 'ES256', kid: keyIdOfCertificate(signer.certPem) }, createPrivateKey(other.keyPem)),
      'bad-signature',
    ],
    [
      'alg none',
      () => {
        const payload = { iss: ISSUER, sub: 'alice', aud: SERVICE, exp: T / 1000 + 300, access: [] };
        const header = { alg: 'none', typ: 'JWT', kid: keyIdOfCertificate(signer.certPem) };
        return Promise.resolve(`${b64(header)}.${b64(payload)}.`);
      },
      'algorithm',
    ],
    [
      'HS256 with the public key as secret',
      () =>
        handBuilt(
          { alg: 'HS256', kid: keyIdOfCertificate(signer.certPem) },
          Buffer.from(createPublicKey(signer.certPem).export({ type: 'spki', format: 'pem' })),
        ),
      'algorithm',
    ],
    [
      'a tampered payload',
      async () => {
        const [h, p, s] = (await issue()).token.split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
        claims['access'] = [{ type: 'repository', name: 'lib/app', actions: ['*'] }];
        return `${h}.${b64(claims)}.${s}`;
      },
      'bad-signature',
    ],
    [
      'a tampered signature',
      async () => {
        const [h, p, s] = (await issue()).token.split('.') as [string, string, string];
        const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
        return `${h}.${p}.${flipped}`;
      },
      'bad-signature',
    ],
    ['garbage', () => Promise.resolve('not a token at all'), 'malformed'],
    ['three garbage parts', () => Promise.resolve('abc.def.ghi'), 'malformed'],
    ['empty', () => Promise.resolve(''), 'malformed'],
  ];
  for (const [name, make, reason] of bad) {
    it(`refuses a token ${name} (${reason})`, async () => {
      const token = await make();
      for (let attempt = 0; attempt < 2; attempt++) {
        await assert.rejects(
          verifier.verify(token),
          (err) =>
            isUnauthenticated(err) &&
            (err as { detail?: { reason?: string } }).detail?.reason === reason &&
            /^registry token refused: /.test((err as Error).message),
        );
      }
    });
  }

  it('caches a verified token, and never past its exp', async () => {
    const { token } = await issue(T);
    clock = T + 1000;
    const first = await verifier.verify(token);
    assert.equal(await verifier.verify(token), first);
    clock = T + 299_000;
    assert.equal(await verifier.verify(token), first);
    clock = T + 300_000 + 31_000; // past exp and past the 30 s tolerance
    await assert.rejects(
      verifier.verify(token),
      (err) => isUnauthenticated(err) && /expired/.test((err as Error).message),
    );
    clock = T;
  });

  it('trusts a key once it is added to the trusted set (a refusal is not remembered)', async () => {
    let trusted = [signer.certPem];
    const v = new TokenVerifier({ issuer: ISSUER, audience: SERVICE, keys: () => trusted, now: () => T });
    const { token } = await issue(T, SERVICE, { key: other });
    await assert.rejects(v.verify(token), isUnauthenticated);
    trusted = [signer.certPem, other.certPem];
    assert.equal((await v.verify(token)).subject, 'alice');
  });

  it('keeps at most cacheSize tokens', async () => {
    const v = new TokenVerifier({
      issuer: ISSUER,
      audience: SERVICE,
      keys: () => [signer.certPem],
      now: () => T,
      cacheSize: 2,
    });
    const tokens = await Promise.all([1, 2, 3].map(async () => (await issue(T)).token));
    const verified = [];
    for (const t of tokens) verified.push(await v.verify(t));
    assert.notEqual(await v.verify(tokens[0]!), verified[0], 'the oldest was dropped and verified again');
    assert.equal(await v.verify(tokens[0]!), await v.verify(tokens[0]!));
  });
});
