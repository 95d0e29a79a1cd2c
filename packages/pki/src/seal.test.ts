import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isFailedPrecondition } from '@stevedore/errors';
import { createCertificateAuthority, sealWithCaKey, unsealWithCaKey } from './index.js';

describe('sealing under a CA key', () => {
  it('gives the secret back only to the same CA key and purpose, and refuses a changed byte', async () => {
    const ca = await createCertificateAuthority({ commonName: 'one', validityDays: 30 });
    const other = await createCertificateAuthority({ commonName: 'two', validityDays: 30 });
    const sealed = sealWithCaKey(ca.keyPem, 'controller server key', 'the secret');
    assert.doesNotMatch(sealed, /the secret/);
    assert.notEqual(
      sealWithCaKey(ca.keyPem, 'controller server key', 'the secret'),
      sealed,
      'a fresh IV each time',
    );
    assert.equal(unsealWithCaKey(ca.keyPem, 'controller server key', sealed), 'the secret');
    const refused = (f: () => unknown, why: RegExp) =>
      assert.throws(f, (err: unknown) => isFailedPrecondition(err) && why.test((err as Error).message));
    refused(() => unsealWithCaKey(other.keyPem, 'controller server key', sealed), /another cluster CA key/);
    refused(() => unsealWithCaKey(ca.keyPem, 'webhook secret', sealed), /another cluster CA key/);
    const [v, iv, tag, data] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(data, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    refused(
      () => unsealWithCaKey(ca.keyPem, 'x', [v, iv, tag, flipped.toString('base64url')].join('.')),
      /changed since/,
    );
    refused(() => unsealWithCaKey(ca.keyPem, 'x', 'plain text'), /not a sealed value/);
  });
});
