/**
 * The node's engine, served to the controllers over mutual TLS (UCP's ucp-proxy): a TCP proxy in front of
 * the local engine's socket, so the engine itself never listens on the network and nothing but a holder of
 * a short-lived controller certificate of the cluster CA reaches it. The proxy is byte for byte: HTTP,
 * streams and hijacked connections (attach, exec) pass unchanged, half-closes included (`exec -i` ends
 * its stdin and still reads the output).
 *
 * Revocation is by expiry: the proxy cannot ask the Store whether a certificate still stands, so it takes
 * only certificates valid for at most `maxLifetimeHours` (controllers make theirs for a day), never a
 * node's 90-day certificate, whatever its role.
 *
 * Invariant: a connection is piped to the engine only after its client certificate verified against the
 * cluster CA, its subject has exactly one OU, one of `allowedRoles`, and its lifetime is short; anything
 * else is closed before a byte reaches the engine.
 */
import { connect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { parseDockerHost } from '@stevedore/engine';

export { ENGINE_PROXY_PORT } from '@stevedore/cluster';

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
  /** The longest validity a client certificate may have (revocation is by expiry); default 48 h. */
  readonly maxLifetimeHours?: number;
}

export interface EngineProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** The role of a short-lived client certificate with exactly one OU; undefined for anything else. */
function roleOf(socket: TLSSocket, maxLifetimeMs: number): string | undefined {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return undefined;
  if (Date.parse(cert.validTo) - Date.parse(cert.validFrom) > maxLifetimeMs) return undefined;
  const units = cert.subject.split('\n').filter((line) => line.startsWith('OU='));
  return units.length === 1 ? units[0]!.slice(3) : undefined;
}

export async function startEngineProxy(options: EngineProxyOptions): Promise<EngineProxy> {
  const engine = parseDockerHost(options.dockerHost);
  const dial = (): Socket =>
    engine.kind === 'unix'
      ? connect({ path: engine.socketPath, allowHalfOpen: true })
      : connect({ port: engine.port, host: engine.host, allowHalfOpen: true });
  const maxLifetimeMs = (options.maxLifetimeHours ?? 48) * 3600_000;
  const open = new Set<Socket>();
  const server = createServer(
    {
      cert: options.tls.certPem,
      key: options.tls.keyPem,
      ca: options.tls.caPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      allowHalfOpen: true,
    },
    (client) => {
      const role = roleOf(client, maxLifetimeMs);
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
