// Our tokens against distribution's own token auth (Debian's docker-registry, `auth.token.rootcertbundle`):
// it finds the key by the token's `kid` among the libtrust key ids of the bundle's certificates, so this is
// the check that the kid, the claims and the ES256 signature are what the reference expects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KeyAndCertificate, createCertificateAuthority, issueCertificate } from '@stevedore/pki';
import { type ReferenceRegistry, startReferenceRegistry } from '@stevedore/testkit';
import { TokenIssuer } from './issuer.js';
import { parseScopes } from './scope.js';

const SERVICE = 'reference.test';
const ISSUER = 'stevedore-test';
const REALM = 'https://127.0.0.1:1/auth/token';

describe('tokens in the reference registry', () => {
  let dir: string;
  let signer: KeyAndCertificate;
  let other: KeyAndCertificate;
  let reference: ReferenceRegistry;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stevedore-token-bundle-'));
    const ca = await createCertificateAuthority({ commonName: 'test CA', validityDays: 1 });
    signer = await issueCertificate(ca, { commonName: 'signer', usage: 'signing', validityDays: 1 });
    other = await issueCertificate(ca, { commonName: 'other', usage: 'signing', validityDays: 1 });
    const bundle = join(dir, 'bundle.pem');
    await writeFile(bundle, signer.certPem);
    reference = await startReferenceRegistry({
      tokenAuth: { realm: REALM, service: SERVICE, issuer: ISSUER, rootCertBundle: bundle },
    });
  });
  after(async () => {
    await reference?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const token = async (scopes: string[], key = signer) =>
    (
      await new TokenIssuer({ issuer: ISSUER, privateKeyPem: key.keyPem, certificatePem: key.certPem }).issue(
        {
          subject: 'alice',
          audience: SERVICE,
          access: parseScopes(scopes),
        },
      )
    ).token;
  const get = (path: string, bearer?: string) =>
    fetch(reference.url + path, bearer ? { headers: { Authorization: `Bearer ${bearer}` } } : {});

  it('challenges without a token, naming our realm and service', async () => {
    const res = await get('/v2/lib/app/tags/list');
    assert.equal(res.status, 401);
    assert.equal(
      res.headers.get('www-authenticate'),
      `Bearer realm="${REALM}",service="${SERVICE}",scope="repository:lib/app:pull"`,
    );
  });

  it('accepts our token: its kid matches the bundle certificate', async () => {
    assert.equal((await get('/v2/', await token([]))).status, 200);
    const tags = await get('/v2/lib/app/tags/list', await token(['repository:lib/app:pull']));
    assert.equal(tags.status, 404, 'past auth: the repository is simply unknown');
  });

  it('refuses our token for a scope it does not grant, and one signed by a key not in the bundle', async () => {
    assert.equal(
      (await get('/v2/lib/app/tags/list', await token(['repository:lib/other:pull']))).status,
      401,
    );
    assert.equal((await get('/v2/', await token([], other))).status, 401);
  });
});
