import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { isFailedPrecondition } from '@stevedore/errors';
import { createCertificateAuthority } from '@stevedore/pki';
import { createMemoryStore } from '@stevedore/store';
import { TOKEN_SIGNER_KEY, ensureTokenSigner, followTokenSigners } from './signer-record.js';
import { TokenIssuer } from './issuer.js';
import { TokenVerifier } from './verifier.js';
import { keyIdOfCertificate } from './key-id.js';

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('token signer record', () => {
  it('is made once: controllers starting together agree on one key', async () => {
    const store = createMemoryStore();
    const ca = await createCertificateAuthority({ commonName: 'cluster CA', validityDays: 30 });
    const [a, b] = await Promise.all([ensureTokenSigner(store, ca), ensureTokenSigner(store, ca)]);
    assert.equal(a.certificatePem, b.certificatePem);
    assert.equal(a.privateKeyPem, b.privateKeyPem);
    assert.deepEqual(await ensureTokenSigner(store, ca), a);
    const cert = new X509Certificate(a.certificatePem);
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey), 'issued by the cluster CA');
    assert.equal(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), false, 'not a TLS client certificate');
    const record = JSON.parse((await store.get(TOKEN_SIGNER_KEY))!.value) as {
      certificates: { pem: string; keyId: string }[];
      current: { sealedKey: string };
    };
    assert.deepEqual(record.certificates, [
      { pem: a.certificatePem, keyId: keyIdOfCertificate(a.certificatePem) },
    ]);
    assert.equal(record.current.sealedKey.includes('PRIVATE KEY'), false, 'the key is sealed');
    await store.close();
  });

  it('refuses to unseal under another CA, saying so', async () => {
    const store = createMemoryStore();
    const ca = await createCertificateAuthority({ commonName: 'cluster CA', validityDays: 30 });
    const otherCa = await createCertificateAuthority({ commonName: 'other CA', validityDays: 30 });
    await ensureTokenSigner(store, ca);
    await assert.rejects(ensureTokenSigner(store, otherCa), isFailedPrecondition);
    await store.close();
  });

  it('is followed by registries, which then verify what controllers sign', async () => {
    const store = createMemoryStore();
    const ca = await createCertificateAuthority({ commonName: 'cluster CA', validityDays: 30 });
    const signers = followTokenSigners(store);
    await signers.ready;
    assert.deepEqual(signers.current(), []);
    const signer = await ensureTokenSigner(store, ca);
    await until(() => signers.current().length === 1);
    assert.deepEqual(signers.current(), [signer.certificatePem]);
    const issuer = new TokenIssuer({ issuer: 'ctl', ...signer });
    const verifier = new TokenVerifier({ issuer: 'ctl', audience: 'reg', keys: signers.current });
    const { token } = await issuer.issue({ subject: 'bob', audience: 'reg', access: [] });
    assert.equal((await verifier.verify(token)).subject, 'bob');
    await signers.close();
    await store.close();
  });
});
