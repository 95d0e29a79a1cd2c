/**
 * The engine client over TCP with TLS, as `dockerd --tlsverify` serves it: the engine's certificate checked
 * against the given CA, the client's certificate presented; a wrong CA or no client certificate refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import { isUnavailable } from '@stevedore/errors';
import { createCertificateAuthority, issueCertificate, type KeyAndCertificate } from '@stevedore/pki';
import { EngineClient } from './engine-client.js';
import { startTestServer, type TestServer } from './test-server.js';

describe('engine client over TLS', () => {
  let ca: KeyAndCertificate;
  let client: KeyAndCertificate;
  let server: TestServer;
  let port: string;
  const clients: EngineClient[] = [];
  const engine = (dockerHost: string, tls?: ConstructorParameters<typeof EngineClient>[1]) => {
    const c = new EngineClient(dockerHost, tls);
    clients.push(c);
    return c;
  };

  before(async () => {
    ca = await createCertificateAuthority({ commonName: 'engine test CA', validityDays: 1 });
    const serverCert = await issueCertificate(ca, {
      commonName: 'engine',
      sans: ['127.0.0.1'],
      usage: 'server',
      validityDays: 1,
    });
    client = await issueCertificate(ca, { commonName: 'node-agent', usage: 'client', validityDays: 1 });
    server = await startTestServer(
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ client: peer.subject?.CN }));
      },
      {
        tls: {
          key: serverCert.keyPem,
          cert: serverCert.certPem,
          ca: ca.certPem,
          requestCert: true,
          rejectUnauthorized: true,
        },
        onUpgrade(_req, socket) {
          socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
          socket.pipe(socket);
        },
      },
    );
    port = server.dockerHost.split(':').at(-1)!;
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  const material = () => ({ ca: ca.certPem, cert: client.certPem, key: client.keyPem });

  it('calls with a client certificate, over tcp:// with TLS options and over https://', async () => {
    const tcp = engine(`tcp://127.0.0.1:${port}`, { tls: material() });
    assert.equal(tcp.address.kind === 'tcp' && tcp.address.tls !== undefined, true);
    assert.deepEqual(await tcp.info(), { client: 'node-agent' });
    const before = server.connections();
    await tcp.version();
    await tcp.version();
    assert.equal(server.connections(), before, 'the TLS connection is kept and reused');
    const https = engine(`https://127.0.0.1:${port}`, { tls: material() });
    assert.deepEqual(await https.info(), { client: 'node-agent' });
  });

  it('hijacks over TLS', async () => {
    const up = await engine(`tcp://127.0.0.1:${port}`, { tls: material() }).upgrade(
      'POST',
      '/containers/x/attach',
      {},
    );
    assert.ok(up.upgraded);
    const echoed = new Promise<string>((resolve) =>
      up.socket.once('data', (d: Buffer) => resolve(d.toString())),
    );
    up.socket.resume();
    up.socket.write('over tls');
    assert.equal(await echoed, 'over tls');
    up.socket.destroy();
  });

  it('refuses an engine whose certificate the CA did not sign', async () => {
    const other = await createCertificateAuthority({ commonName: 'someone else', validityDays: 1 });
    const wrong = engine(`tcp://127.0.0.1:${port}`, { tls: { ...material(), ca: other.certPem } });
    await assert.rejects(wrong.info(), (err: Error) => {
      assert.ok(isUnavailable(err));
      assert.match(
        err.message,
        new RegExp(
          `^cannot reach the Docker Engine at tcp://127\\.0\\.0\\.1:${port} \\(GET /v1\\.41/info\\): .*; check the CA certificate`,
        ),
      );
      return true;
    });
    // Without a CA the system's are used, and they do not know this one either.
    await assert.rejects(engine(`https://127.0.0.1:${port}`).info(), isUnavailable);
  });

  it('is refused by an engine that requires a client certificate when it has none', async () => {
    const anonymous = engine(`tcp://127.0.0.1:${port}`, { tls: { ca: ca.certPem } });
    await assert.rejects(anonymous.info(), (err: Error) => {
      assert.ok(isUnavailable(err));
      assert.match(
        err.message,
        /: TLS tlsv13 alert certificate required; check the CA certificate .* and the client certificate$/,
      );
      return true;
    });
  });
});
