/**
 * Raw HTTP over TLS to the controller's port, for what the docker CLI would never send: a request is
 * written byte for byte (pipelined requests, `Connection: Upgrade` where it does not belong) and the
 * answer is everything that came back before the connection closed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { DockerCluster } from './cluster.js';

/**
 * Writes `bytes` on a fresh connection, presenting the client certificate of the bundle in `dir` (none
 * when undefined: a session's bearer token then goes in the bytes), and answers what came back. Rejects
 * when the connection is still open after `timeoutMs`.
 */
export async function rawExchange(
  cluster: DockerCluster,
  dir: string | undefined,
  bytes: string,
  timeoutMs = 10_000,
): Promise<string> {
  const [cert, key] = dir
    ? await Promise.all(['cert.pem', 'key.pem'].map((f) => readFile(join(dir, f), 'utf8')))
    : [];
  const ca = dir ? await readFile(join(dir, 'ca.pem'), 'utf8') : cluster.plane.clusterCaPem;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: cluster.plane.port,
      ca,
      ...(cert && key ? { cert, key } : {}),
      servername: 'localhost',
    });
    let received = '';
    socket.on('secureConnect', () => socket.write(bytes));
    socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the connection was still open after ${timeoutMs} ms; received: ${received}`));
    }, timeoutMs).unref();
  });
}

/** A raw `GET /_ping` with the bundle in `dir`; answers what came back before the socket closed. */
export function pingOver(cluster: DockerCluster, dir: string): Promise<string> {
  return rawExchange(cluster, dir, 'GET /_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
}
