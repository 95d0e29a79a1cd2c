/**
 * For this package's tests: a small engine on a unix socket in a temp dir, framing HTTP the way the Docker
 * Engine does where hijacking is concerned. Attach and exec start asked with `Upgrade` get `101 UPGRADED`,
 * and from then on the connection echoes (stdin comes back as output; its end is answered with `eof\n`
 * and the close). Every other request gets a plain answer and the connection stays open for the next
 * request, as Go's net/http keeps it: so a byte that reaches it after a non-101 answer is parsed as HTTP,
 * and shows up in `seen`. `GET …/logs` streams a line every 100 ms and never ends.
 *
 * Resources: container `box` (in /Shared/dev), exec `e1` on it, and exec `done`, whose start answers 409.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BOX_ID = 'b0'.repeat(32);
export const EXEC_ID = 'e1'.repeat(32);
const DONE_ID = 'd0'.repeat(32);

export interface SeenRequest {
  readonly connection: number;
  readonly method: string;
  readonly url: string;
  /** Header names lower-cased, in the order sent. */
  readonly headers: readonly [string, string][];
  readonly body: string;
}

export interface TestEngine {
  readonly dockerHost: string;
  readonly seen: SeenRequest[];
  /** Whether the connection that carried `seen[i]` is closed. */
  closed(connection: number): boolean;
  stop(): Promise<void>;
}

function json(socket: Socket, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  socket.write(
    `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const container = {
  Id: BOX_ID,
  Name: '/box',
  Config: { Labels: { 'io.stevedore.collection': '/Shared/dev' } },
};

/** Answers one parsed request; true when the connection is now hijacked. */
function answer(socket: Socket, req: SeenRequest, upgrade: boolean): boolean {
  const path = req.url.split('?')[0]!.replace(/^\/v[\d.]+/, '');
  if (/^\/containers\/(box|(b0)+)\/json$/.test(path)) json(socket, 200, container);
  else if (/^\/exec\/(e1|(e1)+)\/json$/.test(path)) json(socket, 200, { ID: EXEC_ID, ContainerID: BOX_ID });
  else if (/^\/exec\/(done|(d0)+)\/json$/.test(path)) json(socket, 200, { ID: DONE_ID, ContainerID: BOX_ID });
  else if (path === `/exec/${DONE_ID}/start`) json(socket, 409, { message: 'exec done has already run' });
  else if (upgrade && path === `/containers/${BOX_ID}/attach/ws`) {
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: accepted\r\n\r\n',
    );
    return true;
  } else if (upgrade && (path === `/containers/${BOX_ID}/attach` || path === `/exec/${EXEC_ID}/start`)) {
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    return true;
  } else if (path === `/containers/${BOX_ID}/logs`) {
    socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n');
    const timer = setInterval(() => socket.write('5\r\nline\n\r\n'), 100);
    socket.once('close', () => clearInterval(timer));
  } else if (/^\/containers\/[^/]+\/json$|^\/exec\/[^/]+\/json$/.test(path))
    json(socket, 404, { message: 'No such' });
  else json(socket, 200, { path, JoinTokens: { Worker: 'SWMTKN-secret' } });
  return false;
}

export async function startTestEngine(): Promise<TestEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-test-engine-'));
  const socketPath = join(dir, 'docker.sock');
  const seen: SeenRequest[] = [];
  const closed = new Set<number>();
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.once('close', () => {
      closed.add(connection);
      sockets.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let hijacked = false;
    socket.on('end', () => (hijacked ? socket.end('eof\n') : socket.end()));
    socket.on('data', (chunk: Buffer) => {
      if (hijacked) return void socket.write(chunk);
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [start = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
        const headers = lines.map((l): [string, string] => {
          const colon = l.indexOf(':');
          return [l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim()];
        });
        const length = Number(headers.find(([n]) => n === 'content-length')?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
        buffered = buffered.subarray(end + 4 + length);
        const [method = '', url = ''] = start.split(' ');
        const req = { connection, method, url, headers, body };
        seen.push(req);
        hijacked = answer(
          socket,
          req,
          headers.some(([n]) => n === 'upgrade'),
        );
        if (hijacked) {
          if (buffered.length > 0) socket.write(buffered);
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    dockerHost: `unix://${socketPath}`,
    seen,
    closed: (connection) => closed.has(connection),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
