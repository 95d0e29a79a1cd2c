/**
 * What a request asking for `Connection: Upgrade` must be before anything of it reaches the engine: one of
 * the endpoints the engine hijacks (any other would be answered as plain HTTP on a connection that is
 * spliced from then on, so every later request on it would reach the engine unchecked), framed by a
 * Content-Length of at most 64 KiB, and read whole here, before planning, so the planner decides on the
 * very body the engine will get (exec start's `{"Detach":false,"Tty":true}`).
 *
 * Node hands an upgrade over before its body: the first bytes of it are in `head`, the rest still on the
 * socket. The body is taken from both; whatever follows it is put back on the socket, which is left
 * paused, so no byte the client sends beyond the body moves until the engine has answered 101.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { matchEndpoint } from './operations/index.js';
import { EngineRefusal } from './refusals.js';

/** Method and path template of the endpoints the engine hijacks (`POST /session` is refused by the plan). */
const HIJACKING = new Set([
  'POST /containers/{id}/attach',
  'GET /containers/{id}/attach/ws',
  'POST /exec/{id}/start',
  'POST /session',
]);
const MAX_UPGRADE_BODY = 64 * 1024;
const BODY_TIMEOUT_MS = 10_000;

export const UPGRADE_REFUSED =
  'Upgrade is only for attach and exec start: send this request without Connection: Upgrade';

export interface UpgradeRequest {
  /** `GET /containers/{id}/attach/ws` speaks WebSocket; the others the engine's raw stream (`tcp`). */
  readonly websocket: boolean;
  /** The request's body as it came (empty for attach). */
  readonly body: Buffer;
}

/** Refuses what may not be upgraded, then reads the body; the refusal is an EngineRefusal (400, 413). */
export async function admitUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: string,
): Promise<UpgradeRequest> {
  const match = matchEndpoint(req.method ?? '', url);
  const call = match && `${match.endpoint.method} ${match.endpoint.path}`;
  if (!call || !HIJACKING.has(call)) throw new EngineRefusal(400, UPGRADE_REFUSED);
  if (req.headers['transfer-encoding'] !== undefined)
    throw new EngineRefusal(
      400,
      'an upgrade request gives its body with Content-Length, not Transfer-Encoding',
    );
  const declared = req.headers['content-length'] ?? '0';
  if (!/^\d{1,9}$/.test(declared)) throw new EngineRefusal(400, 'the Content-Length header is not a number');
  const length = Number(declared);
  if (length > MAX_UPGRADE_BODY)
    throw new EngineRefusal(413, `the body of an upgrade request is over ${MAX_UPGRADE_BODY} bytes`);
  return { websocket: call === 'GET /containers/{id}/attach/ws', body: await readBody(socket, head, length) };
}

function readBody(socket: Duplex, head: Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = head;
    const done = (err?: EngineRefusal) => {
      clearTimeout(timer);
      socket.off('data', onData).off('end', onShort).off('close', onShort).off('error', onShort);
      socket.pause();
      if (err) return reject(err);
      if (got.length > length) socket.unshift(got.subarray(length));
      resolve(got.subarray(0, length));
    };
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= length) done();
    };
    const onShort = () => done(new EngineRefusal(400, 'the connection ended before the request body did'));
    const timer = setTimeout(
      () => done(new EngineRefusal(408, 'the request body did not arrive in time')),
      BODY_TIMEOUT_MS,
    );
    if (got.length >= length) return done();
    socket.on('data', onData).once('end', onShort).once('close', onShort).once('error', onShort);
  });
}
