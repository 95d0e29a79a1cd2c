/**
 * The floor any TLS proxy in Node pays on this machine: an HTTPS server that checks the client
 * certificate against the same client CA (mTLS, as the controller's port does) and pipes every request to
 * the engine's socket and the answer back, with no authorization, planning, auditing or filtering. The
 * bench runs the same calls through it (rows marked [floor]), so what the proxy costs beyond the hop
 * itself is the difference between its rows and these. Its server certificate is issued by the cluster CA
 * in the platform's data dir (cluster-pki.ts), so the bundles' ca.pem trusts it.
 */
import { Agent, request } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { issueCertificate, readCa } from '@stevedore/pki';
import { pkiDirOf } from '../src/cluster-pki.js';

export interface FloorProxy {
  readonly port: number;
  close(): Promise<void>;
}

export async function startFloorProxy(dataDir: string, socketPath: string): Promise<FloorProxy> {
  // The platform keeps a copy of the cluster's CAs in its data dir (cluster-pki.ts).
  const [clusterCa, clientCa] = await Promise.all(
    ['cluster-root-ca', 'client-root-ca'].map((name) => readCa(pkiDirOf(dataDir), name)),
  );
  if (!clusterCa || !clientCa) throw new Error(`no CAs in ${pkiDirOf(dataDir)}: start the platform first`);
  const { certPem: cert, keyPem: key } = await issueCertificate(clusterCa, {
    commonName: 'stevedore-floor-proxy',
    sans: ['localhost', '127.0.0.1', hostname()],
    usage: 'server',
    validityDays: 1,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const tls = { cert, key, ca: clientCa.certPem, requestCert: true, rejectUnauthorized: true };
  const server = createServer({ ...tls, minVersion: 'TLSv1.2' }, (req, res) => {
    const { method, url: path, headers } = req;
    const upstream = request({ socketPath, agent, method, path, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}
