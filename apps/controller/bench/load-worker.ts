/**
 * The benchmark's load client process (forked by load-client.ts). Both targets go through the same request
 * code: DIRECT is plain HTTP over the engine's unix socket, PROXY is HTTPS to the controller presenting
 * a client bundle (mTLS; alice's unless a command names another identity). Each target (and identity) has
 * one keep-alive agent holding one socket, so after the warm-up every request reuses its connection: no TCP
 * or TLS handshake is in the figures, except in `cold` commands, which open a connection per request (as a
 * CLI run does). Requests are sequential; a request is timed from `request()` to its last body byte, and
 * bodies are counted, then dropped.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { ClientBundle } from './bench-platform.js';
import type { Answer, Command, Identity, Targets } from './load-client.js';

type Send = (
  path: string,
  onBody: (chunk: Buffer) => void,
  request?: { method: string; body?: string },
) => Promise<number>;

/** A target's sender; `fresh` opens a new connection for every request (no keep-alive). */
type Senders = {
  direct: (fresh: boolean) => Send;
  proxy: (as: string, fresh: boolean, port?: number) => Send;
};

/** Resolves with the status once the body has been read to its end. */
const drain = (res: IncomingMessage, onBody: (chunk: Buffer) => void, resolve: (s: number) => void) => {
  res.on('data', onBody);
  res.on('end', () => resolve(res.statusCode ?? 0));
};

function senders(targets: Targets, identities: Map<string, ClientBundle>): Senders {
  const direct = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const proxies = new Map<string, HttpsAgent>();
  const proxyAgent = (as: string, fresh: boolean, port: number) => {
    const bundle = identities.get(as);
    if (!bundle) throw new Error(`no identity ${as}`);
    const { caPem: ca, certPem: cert, keyPem: key } = bundle;
    if (fresh) return new HttpsAgent({ keepAlive: false, ca, cert, key });
    let agent = proxies.get(`${as}:${port}`);
    if (!agent)
      proxies.set(
        `${as}:${port}`,
        (agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca, cert, key })),
      );
    return agent;
  };
  return {
    direct:
      (fresh) =>
      (path, onBody, r = { method: 'GET' }) =>
        new Promise((resolve, reject) => {
          const agent = fresh ? new HttpAgent({ keepAlive: false }) : direct;
          const options = { socketPath: targets.socketPath, path, agent, ...framing(r) };
          const req = httpRequest(options, (res) => {
            res.on('error', reject);
            drain(res, onBody, resolve);
          });
          req.on('error', reject).end(r.body);
        }),
    proxy:
      (as, fresh, port = targets.proxyPort) =>
      (path, onBody, r = { method: 'GET' }) =>
        new Promise((resolve, reject) => {
          const agent = proxyAgent(as, fresh, port);
          const options = { host: '127.0.0.1', port, path, agent };
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

async function run(send: Senders, command: Command): Promise<Answer> {
  const fresh = command.kind === 'cold';
  const call =
    command.target === 'direct'
      ? send.direct(fresh)
      : command.target === 'floor'
        ? send.proxy('alice', fresh, floorPort)
        : send.proxy(command.as ?? 'alice', fresh);
  const ok = (status: number) => {
    if (status !== 200) throw new Error(`${command.target} GET ${command.path} answered ${status}`);
  };
  if (command.kind === 'latency' || command.kind === 'cold') {
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
    const text = Buffer.concat(chunks).toString('utf8');
    // Not a list (an inspect), or not JSON at all (`/_ping` answers OK): -1.
    const value: unknown = text.startsWith('[') ? JSON.parse(text) : undefined;
    return { items: Array.isArray(value) ? value.length : -1 };
  }
  let bytes = 0;
  const start = performance.now();
  ok(await call(command.path, (c) => (bytes += c.length)));
  return { bytes, seconds: (performance.now() - start) / 1000 };
}

const identities = new Map<string, ClientBundle>();
let send: Senders | undefined;
let floorPort: number | undefined;
process.on('message', (message: Targets | Command | Identity) => {
  const reply = (answer: Answer) => process.send?.(answer);
  if ('socketPath' in message) {
    identities.set('alice', message.bundle);
    floorPort = message.floorPort;
    send = senders(message, identities);
    return;
  }
  if (message.kind === 'identity') {
    identities.set(message.name, message.bundle);
    return reply({});
  }
  if (!send) return reply({ error: 'no targets were given' });
  run(send, message).then(reply, (err: unknown) =>
    reply({ error: err instanceof Error ? err.message : String(err) }),
  );
});
// The parent going away (even by SIGKILL) closes the IPC channel: end with it.
process.on('disconnect', () => process.exit(0));
