// The certificates as TLS itself judges them: Node's TLS (OpenSSL) verifies chains, SANs and client auth.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { isFailedPrecondition, isInvalidArgument } from '@stevedore/errors';
import {
  createCertificateAuthority,
  fingerprintOf,
  issueCertificate,
  loadOrCreateCa,
  needsRenewal,
  publicKeyIdOf,
  type KeyAndCertificate,
} from './index.js';

let clusterCa: KeyAndCertificate;
let clientCa: KeyAndCertificate;
let otherCa: KeyAndCertificate;
let server: KeyAndCertificate;

before(async () => {
  [clusterCa, clientCa, otherCa] = await Promise.all([
    createCertificateAuthority({ commonName: 'Stevedore cluster root CA', validityDays: 3650 }),
    createCertificateAuthority({ commonName: 'Stevedore client root CA', validityDays: 3650 }),
    createCertificateAuthority({ commonName: 'Someone else', validityDays: 30 }),
  ]);
  server = await issueCertificate(clusterCa, {
    commonName: 'controller',
    organizationalUnit: 'manager',
    sans: ['localhost', '127.0.0.1', 'stevedore.example.com'],
    usage: 'server',
    validityDays: 90,
  });
});

/** An mTLS server trusting the client CA; resolves with what the handshake made of the client. */
async function handshake(client: KeyAndCertificate | undefined, servername = 'localhost') {
  const srv = createServer({
    cert: server.certPem,
    key: server.keyPem,
    ca: clientCa.certPem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  srv.on('secureConnection', (socket: TLSSocket) => {
    socket.end(String(socket.getPeerCertificate().subject?.CN ?? ''));
  });
  srv.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        servername,
        ca: clusterCa.certPem,
        ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
      });
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      // With TLS 1.3 the server judges the client certificate after the client's handshake is done, so a
      // refusal shows up as an alert or a close without an answer.
      socket.on('end', () =>
        data ? resolve(data) : reject(new Error('closed by the server without an answer')),
      );
      socket.on('error', reject);
    });
  } finally {
    srv.close();
  }
}

describe('pki', () => {
  it('makes ECDSA P-256 CAs that are CAs', () => {
    const cert = new X509Certificate(clusterCa.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(clusterCa.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  });

  it('issues server certificates that TLS accepts for each SAN, and refuses for other names', async () => {
    const bob = await issueCertificate(clientCa, { commonName: 'bob', usage: 'client', validityDays: 1 });
    assert.equal(await handshake(bob, 'localhost'), 'bob');
    assert.equal(await handshake(bob, 'stevedore.example.com'), 'bob');
    await assert.rejects(handshake(bob, 'evil.example.com'), /altnames|Hostname/i);
    const cert = new X509Certificate(server.certPem);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.verify(new X509Certificate(clusterCa.certPem).publicKey), true);
  });

  it('refuses client certificates from another CA, and clients without one, at the handshake', async () => {
    const mallory = await issueCertificate(otherCa, {
      commonName: 'mallory',
      usage: 'client',
      validityDays: 1,
    });
    await assert.rejects(handshake(mallory));
    await assert.rejects(handshake(undefined));
  });

  it('limits each certificate to its purpose', async () => {
    // A client certificate offered as a server's is refused by the client's TLS stack.
    const clientOnly = await issueCertificate(clusterCa, {
      commonName: 'x',
      sans: ['localhost'],
      usage: 'client',
      validityDays: 1,
    });
    const srv = createServer({ cert: clientOnly.certPem, key: clientOnly.keyPem });
    srv.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as AddressInfo;
    try {
      await assert.rejects(
        new Promise((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: clusterCa.certPem });
          s.on('secureConnect', () => resolve(s.end()));
          s.on('error', reject);
        }),
        /unsuitable|purpose/i,
      );
    } finally {
      srv.close();
    }
  });

  it('refuses a server certificate without names, and nonsense validity', async () => {
    await assert.rejects(
      issueCertificate(clusterCa, { commonName: 'x', usage: 'server', validityDays: 1 }),
      isInvalidArgument,
    );
    await assert.rejects(createCertificateAuthority({ commonName: 'x', validityDays: 0 }), isInvalidArgument);
  });

  it('fingerprints certificates and identifies public keys', async () => {
    assert.match(fingerprintOf(clusterCa.certPem), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const a = await issueCertificate(clientCa, { commonName: 'bob', usage: 'client', validityDays: 1 });
    const b = await issueCertificate(clientCa, { commonName: 'bob', usage: 'client', validityDays: 1 });
    assert.match(publicKeyIdOf(a.certPem), /^[0-9a-f]{64}$/);
    assert.notEqual(publicKeyIdOf(a.certPem), publicKeyIdOf(b.certPem), 'each bundle has its own key');
  });

  it('says when a certificate is due for renewal', () => {
    const cert = new X509Certificate(server.certPem);
    const to = new Date(cert.validTo).getTime();
    assert.equal(needsRenewal(server.certPem, new Date()), false);
    assert.equal(needsRenewal(server.certPem, new Date(to - 10 * 24 * 3600 * 1000)), true);
  });
});

describe('CA files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stevedore-pki-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('makes a CA once, keeps its key private, and loads the same one afterwards', async () => {
    const caDir = join(dir, 'ca');
    const first = await loadOrCreateCa(caDir, 'cluster-root', { commonName: 'root', validityDays: 10 });
    assert.equal(first.created, true);
    assert.equal((await stat(join(caDir, 'cluster-root-key.pem'))).mode & 0o777, 0o600);
    assert.equal((await stat(caDir)).mode & 0o777, 0o700);
    const again = await loadOrCreateCa(caDir, 'cluster-root', { commonName: 'root', validityDays: 10 });
    assert.equal(again.created, false);
    assert.equal(again.certPem, first.certPem);
  });

  it('refuses half a CA rather than silently replacing it', async () => {
    const caDir = join(dir, 'half');
    await loadOrCreateCa(caDir, 'client-root', { commonName: 'root', validityDays: 10 });
    await unlink(join(caDir, 'client-root-key.pem'));
    await assert.rejects(
      loadOrCreateCa(caDir, 'client-root', { commonName: 'root', validityDays: 10 }),
      isFailedPrecondition,
    );
    await writeFile(join(caDir, 'client-root-key.pem'), 'x');
  });
});
