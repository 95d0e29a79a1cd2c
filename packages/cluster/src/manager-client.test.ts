import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isFailedPrecondition } from '@stevedore/errors';
import { createCertificateAuthority, issueCertificate, type KeyAndCertificate } from '@stevedore/pki';
import { readManagerCa } from './manager-client.js';

describe("a node's first read of the manager's CA", () => {
  let server: Server;
  let answer = '';
  let url: URL;
  let ca: KeyAndCertificate;
  let other: { certPem: string };
  let leaf: { certPem: string };

  before(async () => {
    ca = await createCertificateAuthority({ commonName: 'cluster CA', validityDays: 30 });
    other = await createCertificateAuthority({ commonName: 'someone else', validityDays: 30 });
    const tls = await issueCertificate(ca, {
      commonName: 'manager',
      sans: ['127.0.0.1'],
      usage: 'server',
      validityDays: 30,
    });
    leaf = tls;
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end(answer));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('takes exactly one CA certificate, re-encoded, and our address as the manager sees it', async () => {
    answer = `\n${ca.certPem}\n`;
    const read = await readManagerCa(url);
    assert.equal(read.caPem.trim(), ca.certPem.trim());
    assert.equal(read.localAddress, '127.0.0.1');
  });

  for (const [name, body, reason] of [
    [
      'a second certificate appended (it would be trusted too)',
      () => ca.certPem + other.certPem,
      /2 certificates, not one/,
    ],
    ['a certificate that is not a CA', () => leaf.certPem, /not a CA/],
    ['no certificate at all', () => 'hello', /0 certificates/],
  ] as const) {
    it(`refuses ${name}`, async () => {
      answer = body();
      await assert.rejects(readManagerCa(url), (err: Error) => {
        assert.ok(isFailedPrecondition(err));
        assert.match(err.message, reason);
        return true;
      });
    });
  }

  it('refuses an answer larger than a CA could be', async () => {
    answer = ca.certPem + 'x'.repeat(100 * 1024);
    await assert.rejects(readManagerCa(url), /larger than/);
  });
});
