/**
 * The benchmark's load client process (forked by load-client.ts). Both targets go through the same request
 * code: DIRECT is plain HTTP over the engine's unix socket, PROXY is HTTPS to the controller presenting
 * alice's client bundle (mTLS). Each target has one keep-alive agent holding one socket, so after the
 * warm-up every request reuses its connection: no TCP or TLS handshake is in the figures. Requests are
 * sequential; a request is timed from `request()` to its last body byte, and bodies are counted, then dropped.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Answer, Command, Target, Targets } from './load-client.js';

type Send = (
  path: string,
  onBody: (chunk: Buffer) => void,
  request?: { method: string; body?: string },
) => Promise<number>;

function sender(targets: Targets): Record<Target, Send> {
  const direct = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const { caPem: ca, certPem: cert, keyPem: key } = targets.bundle;
  const proxy = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca, cert, key });
  /** Resolves with the status once the body has been read to its end. */
  const drain = (res: IncomingMessage, onBody: (chunk: Buffer) => void, resolve: (s: number) => void) => {
    res.on('data', onBody);
    res.on('end', () => resolve(res.statusCode ?? 0));
  };
  return {
    direct: (path, onBody, r = { method: 'GET' }) =>
      new Promise((resolve, reject) => {
        const options = { socketPath: targets.socketPath, path, agent: direct, ...framing(r) };
        const req = httpRequest(options, (res) => {
          res.on('error', reject);
          drain(res, onBody, resolve);
        });
        req.on('error', reject).end(r.body);
      }),
    proxy: (path, onBody, r = { method: 'GET' }) =>
      new Promise((resolve, reject) => {
        const options = { host: '127.0.0.1', port: targets.proxyPort, path, agent: proxy, ca, cert, key };
        const req = httpsRequest({ ...options, ...framing(r) }, (res) => {
          res.on('error', reject);
          drain(res, onBody, resolve);
        });
        req.on('error', reject).end(r.body);
      }),
  };
}

function framing(r: { method: string; body?: string }) {
  const headers =
    r.body === undefined
      ? {}
      : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(r.body)) };
  return { method: r.method, headers };
}

async function run(send: Record<Target, Send>, command: Command): Promise<Answer> {
  const call = send[command.target];
  const ok = (status: number) => {
    if (status !== 200) throw new Error(`${command.target} GET ${command.path} answered ${status}`);
  };
  if (command.kind === 'latency') {
    const durationsMs: number[] = [];
    for (let i = 0; i < command.count; i++) {
      const start = performance.now();
      ok(await call(command.path, () => undefined));
      durationsMs.push(performance.now() - start);
    }
    return { durationsMs };
  }
  if (command.kind === 'create') {
    const durationsMs: number[] = [];
    const base = command.path.slice(0, command.path.indexOf('/containers/'));
    for (let i = 0; i < command.count; i++) {
      const chunks: Buffer[] = [];
      const start = performance.now();
      const status = await call(command.path, (c) => chunks.push(c), { method: 'POST', body: command.body });
      durationsMs.push(performance.now() - start);
      const text = Buffer.concat(chunks).toString('utf8');
      if (status !== 201)
        throw new Error(`${command.target} POST ${command.path} answered ${status}: ${text}`);
      const { Id } = JSON.parse(text) as { Id: string };
      await call(`${base}/containers/${Id}?force=1`, () => undefined, { method: 'DELETE' });
    }
    return { durationsMs };
  }
  if (command.kind === 'count') {
    const chunks: Buffer[] = [];
    ok(await call(command.path, (c) => chunks.push(c)));
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return { items: Array.isArray(value) ? value.length : -1 };
  }
  let bytes = 0;
  const start = performance.now();
  ok(await call(command.path, (c) => (bytes += c.length)));
  return { bytes, seconds: (performance.now() - start) / 1000 };
}

let send: Record<Target, Send> | undefined;
process.on('message', (message: Targets | Command) => {
  if ('socketPath' in message) {
    send = sender(message);
    return;
  }
  const reply = (answer: Answer) => process.send?.(answer);
  if (!send) return reply({ error: 'no targets were given' });
  run(send, message).then(reply, (err: unknown) =>
    reply({ error: err instanceof Error ? err.message : String(err) }),
  );
});
// The parent going away (even by SIGKILL) closes the IPC channel: end with it.
process.on('disconnect', () => process.exit(0));
