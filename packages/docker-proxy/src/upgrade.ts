/**
 * Hijacked connections: `docker run -it`, `docker attach` and `docker exec -it` ask the engine to turn the
 * HTTP connection into a raw byte stream (`Upgrade: tcp`). Once the request was admitted
 * (upgrade-request.ts) and planned, the proxy sends the engine a request of its own on a fresh connection
 * (the engine client's `upgrade`, @stevedore/engine):
 * the planned method, path and body, with `Host`, `Content-Type`, `Content-Length`, `Connection: Upgrade`
 * and `Upgrade` (and the client's `User-Agent`; the WebSocket handshake headers for `attach/ws`), nothing
 * else of the client's.
 *
 * Invariant: no HTTP request is ever read from a spliced connection. The client's bytes start moving only
 * after the engine answered 101, from when they are the container's stdin. Any other answer is passed to
 * the client and both connections are closed. From 101 on, bytes flow both ways untouched, and a half-close
 * (stdin at EOF) is passed on so the output that follows it still arrives. The splice is registered as a
 * live call, so it is cut when its caller stops standing (live-calls.ts).
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EngineLink } from './engine-link.js';
import { responseHeaders } from './http-messages.js';
import type { EngineRefusal } from './refusals.js';

export interface EngineUpgrade {
  readonly method: string;
  /** The planned path and query (the resolved full id in it). */
  readonly url: string;
  /** The planned body, sent with its own Content-Length. */
  readonly body: Buffer;
  readonly websocket: boolean;
  /** The client's request, for the few headers passed on. */
  readonly from: IncomingMessage;
  /** In a cluster: the swarm node that holds the container (the plan's). */
  readonly node?: string;
}

const WEBSOCKET_HANDSHAKE = [
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'origin',
];
/** How long a client whose engine side is gone may keep its own side open. */
const LINGER_MS = 10_000;
/** How long a refused client's bytes are drained before its connection closes. */
const DRAIN_MS = 1000;

function headersOf(call: EngineUpgrade): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    host: 'docker',
    connection: 'Upgrade',
    upgrade: call.websocket ? 'websocket' : 'tcp',
  };
  const agent = call.from.headers['user-agent'];
  if (agent !== undefined && agent.length <= 256) headers['user-agent'] = agent;
  if (call.websocket)
    for (const name of WEBSOCKET_HANDSHAKE) {
      const value = call.from.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
  if (call.body.length > 0) headers['content-type'] = 'application/json';
  if (call.body.length > 0 || call.method !== 'GET') headers['content-length'] = call.body.length;
  return headers;
}

/** An answer's status line and headers, as written to the raw client socket. */
function answerHead(answer: IncomingMessage, headers: Record<string, string | string[] | undefined>): string {
  const lines = [`HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}`];
  for (const [name, value] of Object.entries(headers))
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
      lines.push(`${name}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Sends the planned request and, on 101, splices the client to the engine. Resolves with the engine's
 * status once its answer began; rejects (engine.unreachable) when the engine could not be asked at all.
 */
export function spliceUpgrade(
  engine: EngineLink,
  call: EngineUpgrade,
  client: Duplex,
  track: (cut: () => void) => () => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    // 499, as nginx logs it: the client left while the call was being planned.
    if (client.destroyed) return resolve(499);
    const asking = new AbortController();
    let closeEngineSide: (() => void) | undefined;
    const cut = () => {
      asking.abort();
      closeEngineSide?.();
      client.destroy();
    };
    const release = track(cut);
    client.on('error', cut);
    client.once('close', () => {
      release();
      asking.abort();
      closeEngineSide?.();
    });

    const spliced = (answer: IncomingMessage, socket: Socket, rest: Buffer) => {
      closeEngineSide = () => socket.destroy();
      resolve(101);
      socket.on('error', cut);
      socket.setNoDelay(true);
      rawClient(client);
      const raw: Record<string, string[]> = {};
      for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2)
        (raw[answer.rawHeaders[i]!] ??= []).push(answer.rawHeaders[i + 1]!);
      client.write(answerHead(answer, raw));
      if (rest.length > 0) client.write(rest);
      socket.pipe(client, { end: false });
      client.pipe(socket);
      // The container is done: the client gets the rest and the end, and a little while to close its side.
      socket.once('close', () => {
        client.end();
        setTimeout(() => client.destroy(), LINGER_MS).unref();
      });
    };
    const answered = (answer: IncomingMessage, close: () => void) => {
      closeEngineSide = close;
      resolve(answer.statusCode ?? 502);
      // Not hijacked: this answer is the connection's last; the client's bytes never reach the engine.
      client.write(answerHead(answer, { ...responseHeaders(answer.headers), connection: 'close' }));
      answer.on('error', cut);
      answer.pipe(client, { end: false });
      answer.once('end', () => {
        close();
        closeRaw(client);
      });
    };

    engine
      .clientFor(call.method, call.url, call.node)
      .upgrade(call.method, call.url, headersOf(call), {
        body: call.body,
        signal: asking.signal,
        versioned: false,
      })
      .then(
        (up) => {
          // The client went away while the engine was answering: the engine side goes too.
          if (client.destroyed) {
            if (up.upgraded) up.socket.destroy();
            else up.close();
            return resolve(499);
          }
          if (up.upgraded) spliced(up.response, up.socket, up.head);
          else answered(up.response, up.close);
        },
        (err: Error) => (client.destroyed ? resolve(499) : reject(engine.unreachable(err))),
      );
  });
}

/** Raw-stream settings on the client's socket: no Nagle delay, no idle timeout, and half-close kept. */
function rawClient(socket: Duplex): void {
  const s = socket as Duplex & {
    setNoDelay?: (v: boolean) => void;
    setTimeout?: (ms: number) => void;
    allowHalfOpen?: boolean;
  };
  s.setNoDelay?.(true);
  s.setTimeout?.(0);
  // The CLI closes its sending side when stdin ends; the container's output must still come back.
  s.allowHalfOpen = true;
}

/**
 * Ends a raw connection after its last bytes. What the client still sends is read and dropped, never
 * parsed: closing with unread bytes would reset the connection and could lose the answer just written.
 */
export function closeRaw(socket: Duplex, last?: string): void {
  socket.end(last);
  socket.on('data', () => undefined);
  socket.once('end', () => socket.destroy());
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}

export function writeRawRefusal(socket: Duplex, refusal: EngineRefusal): void {
  const body = JSON.stringify({ message: refusal.message });
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    403: 'Forbidden',
    404: 'Not Found',
    408: 'Request Timeout',
    413: 'Payload Too Large',
  };
  closeRaw(
    socket,
    `HTTP/1.1 ${refusal.status} ${reasons[refusal.status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
