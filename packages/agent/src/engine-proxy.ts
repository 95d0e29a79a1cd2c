/**
 * The node's engine, served to the controllers over mutual TLS (UCP's ucp-proxy): a TCP proxy in front of
 * the local engine's socket, so the engine itself never listens on the network and nothing but a holder of
 * a cluster certificate with an allowed role (the controllers; managers' agents) reaches it. The proxy is
 * byte for byte: HTTP, streams and hijacked connections (attach, exec) pass unchanged.
 *
 * Invariant: a connection is piped to the engine only after its client certificate verified against the
 * cluster CA and its OU is one of `allowedRoles`; anything else is closed before a byte reaches the engine.
 */
import { connect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { parseDockerHost } from '@stevedore/engine';

export const ENGINE_PROXY_PORT = 12376;

export interface EngineProxyOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The local engine, as DOCKER_HOST names it (unix:// or tcp://). */
  readonly dockerHost: string;
  /** The node certificate and key this proxy serves, and the cluster CA clients must chain to. */
  readonly tls: { readonly certPem: string; readonly keyPem: string; readonly caPem: string };
  /** Certificate roles (OU) that may connect. */
  readonly allowedRoles: readonly string[];
}

export interface EngineProxy {
  readonly port: number;
  close(): Promise<void>;
}

function roleOf(socket: TLSSocket): string | undefined {
  const subject = socket.getPeerX509Certificate()?.subject ?? '';
  return /^OU=(.+)$/m.exec(subject)?.[1];
}

export async function startEngineProxy(options: EngineProxyOptions): Promise<EngineProxy> {
  const engine = parseDockerHost(options.dockerHost);
  const dial = (): Socket =>
    engine.kind === 'unix' ? connect(engine.socketPath) : connect(engine.port, engine.host);
  const open = new Set<Socket>();
  const server = createServer(
    {
      cert: options.tls.certPem,
      key: options.tls.keyPem,
      ca: options.tls.caPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (client) => {
      const role = roleOf(client);
      if (!role || !options.allowedRoles.includes(role)) {
        client.destroy();
        return;
      }
      const upstream = dial();
      open.add(client).add(upstream);
      const done = () => {
        open.delete(client);
        open.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', done).on('close', done);
      upstream.on('error', done).on('close', done);
      client.pipe(upstream);
      upstream.pipe(client);
    },
  );
  // A handshake that fails (no certificate, another CA) is the client's problem, not the proxy's.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
