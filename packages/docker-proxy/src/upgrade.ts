/**
 * Hijacked connections: `docker run -it`, `docker attach` and `docker exec -it` ask the engine to turn the
 * HTTP connection into a raw byte stream (`Upgrade: tcp`). After the plan allowed it, the request is
 * written to a fresh engine socket as it came (path rewritten to the resolved id), and from then on the
 * two sockets are spliced: bytes flow both ways untouched, and a half-close (stdin at EOF) is passed on so
 * the output that follows it still arrives.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EngineLink } from './engine-link.js';
import type { EngineRefusal } from './refusals.js';

const DROPPED = new Set(['host', 'proxy-connection']);

function requestHead(req: IncomingMessage, url: string): string {
  const lines = [`${req.method ?? 'POST'} ${url} HTTP/1.1`, 'Host: docker'];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (!DROPPED.has(name.toLowerCase())) lines.push(`${name}: ${req.rawHeaders[i + 1]!}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Splices the client to the engine; resolves with the engine's status once its answer begins. */
export async function spliceUpgrade(
  engine: EngineLink,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  url: string,
): Promise<number> {
  const upstream = await engine.rawSocket();
  const status = new Promise<number>((resolve) => {
    upstream.once('data', (chunk: Buffer) =>
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1', 0, 16))?.[1] ?? 0)),
    );
    upstream.once('close', () => resolve(0));
  });
  prepareClient(client);
  upstream.setNoDelay(true);
  upstream.write(requestHead(req, url));
  if (head.length > 0) upstream.write(head);
  client.pipe(upstream);
  upstream.pipe(client);
  const closeBoth = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', closeBoth);
  upstream.on('error', closeBoth);
  upstream.on('close', () => client.end());
  return status;
}

/** Raw-stream settings on the client's socket: no Nagle delay, no idle timeout, and half-close kept. */
function prepareClient(socket: Duplex): void {
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

export function writeRawRefusal(socket: Duplex, refusal: EngineRefusal): void {
  const body = JSON.stringify({ message: refusal.message });
  const reason = refusal.status === 404 ? 'Not Found' : refusal.status === 403 ? 'Forbidden' : 'Error';
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
