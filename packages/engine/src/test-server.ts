/**
 * For this package's tests: a small HTTP server standing in for an engine, on a unix socket in a fresh
 * temp dir (or on loopback TCP, with TLS when given certificates). It records what it was asked and how
 * many connections carried it; the test gives the handler. `close()` cuts every connection and removes
 * the temp dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface TestServer {
  /** The DOCKER_HOST that reaches it. */
  readonly dockerHost: string;
  readonly seen: Seen[];
  /** Connections accepted so far. */
  connections(): number;
  /** Connections still open. */
  open(): number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
export type UpgradeHandler = (req: IncomingMessage, socket: Socket, head: Buffer) => void;

export async function startTestServer(
  handler: Handler,
  options: { tcp?: boolean; tls?: ServerOptions; onUpgrade?: UpgradeHandler } = {},
): Promise<TestServer> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  };
  const server: Server = options.tls ? createTlsServer(options.tls, onRequest) : createServer(onRequest);
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: head });
    options.onUpgrade?.(req, socket, head);
  });
  const dir = options.tcp || options.tls ? undefined : await mkdtemp(join(tmpdir(), 'stevedore-engine-'));
  const socketPath = dir ? join(dir, 'engine.sock') : undefined;
  await new Promise<void>((resolve) =>
    socketPath ? server.listen(socketPath, resolve) : server.listen(0, '127.0.0.1', resolve),
  );
  const dockerHost = socketPath
    ? `unix://${socketPath}`
    : `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    dockerHost,
    seen,
    connections: () => accepted,
    open: () => sockets.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `check` holds, polling; the test's own timeout bounds it. */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}
