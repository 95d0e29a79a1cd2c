/**
 * The controller's HTTPS server: builds fastify with the cluster-CA certificate and binds the REST routes
 * through the route kit. `setCertificate` swaps the certificate in place (new connections get it): the
 * renewal itself is a cluster job (server-certificate.ts), which every controller follows.
 */
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { KeyAndCertificate } from '@stevedore/pki';
import type { AuditLog } from '@stevedore/audit';
import { bindRoutes, type Caller, type Handlers, type NodeCaller } from './http/route-kit.js';
import { installErrorHandlers } from './http/fastify-errors.js';
import { dashboardDistDir, registerDashboard } from './http/dashboard-static.js';
import type { DockerGate } from './docker/docker-gate.js';

export interface ControllerServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly tls: KeyAndCertificate;
  /** Client certificates signed by this CA (client bundles) are accepted; others fail at the handshake. */
  readonly clientCaPem: string;
  /** Node certificates (agents) are signed by the cluster CA, so it is accepted at the handshake too. */
  readonly clusterCaPem: string;
  /** The member node a connection's certificate names, for `node` routes. */
  readonly authenticateNode?: (socket: TLSSocket) => Promise<NodeCaller | undefined>;
  /** Takes Engine API requests before fastify sees them; absent, the port serves only the REST API. */
  readonly dockerGate?: DockerGate;
  readonly handlers: Handlers;
  /** Routes outside the REST table, with conventions of their own (the registry token service). */
  readonly extraRoutes?: (app: FastifyInstance) => void;
  readonly authenticate: (token: string) => Promise<Caller>;
  readonly audit: AuditLog;
  readonly logger: Logger;
}

export interface ControllerServer {
  readonly url: string;
  readonly port: number;
  /** Serves this certificate to new connections from now on (a renewal), without a restart. */
  setCertificate(next: KeyAndCertificate): void;
  close(): Promise<void>;
}

export async function startControllerServer(options: ControllerServerOptions): Promise<ControllerServer> {
  // Typed as fastify's logger interface so the app's type is the default one the route kit takes.
  const logger: FastifyBaseLogger = options.logger;
  const tlsOptions = {
    minVersion: 'TLSv1.2' as const,
    requestCert: true,
    rejectUnauthorized: false,
    ca: [options.clientCaPem, options.clusterCaPem],
  };
  const gate = options.dockerGate;
  const app = Fastify({
    serverFactory: (handler) => {
      const server: Server = createServer(
        { ...tlsOptions, cert: options.tls.certPem, key: options.tls.keyPem },
        (req, res) => {
          if (!gate?.request(req, res)) handler(req, res);
        },
      );
      // A certificate is optional (browsers and curl use bearer tokens), but one from another CA ends the
      // connection before any request is read.
      server.on('secureConnection', (socket: TLSSocket) => {
        if (!socket.authorized && socket.getPeerX509Certificate() !== undefined) socket.destroy();
      });
      server.on('upgrade', (req, socket, head: Buffer) => {
        if (!gate?.upgrade(req, socket, head)) socket.destroy();
      });
      return server;
    },
    loggerInstance: logger,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });
  installErrorHandlers(app);
  registerDashboard(app, dashboardDistDir());
  bindRoutes(app, options.handlers, {
    authenticate: options.authenticate,
    ...(options.authenticateNode ? { authenticateNode: options.authenticateNode } : {}),
    audit: options.audit,
    log: options.logger,
  });
  options.extraRoutes?.(app);

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `https://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    setCertificate: (next) =>
      app.server.setSecureContext({ ...tlsOptions, cert: next.certPem, key: next.keyPem }),
    close: async () => {
      await app.close();
    },
  };
}
