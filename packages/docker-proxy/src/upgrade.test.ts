/**
 * Hijacking through the proxy, against a small engine that frames HTTP as the real one does (test-engine.ts):
 * raw client connections, so a test sees exactly which bytes come back and which reach the engine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { AuditBatcher } from '@stevedore/audit';
import type { ProxyCaller } from './caller.js';
import { createDockerProxy, type DockerProxy } from './proxy.js';
import { createMemoryImageOwners } from './image-owners.js';
import { testAccess } from './test-access.js';
import { BOX_ID, EXEC_ID, startTestEngine, type TestEngine } from './test-engine.js';
import { UPGRADE_REFUSED } from './upgrade-request.js';

const UPGRADE = 'Connection: Upgrade\r\nUpgrade: tcp\r\n';

function raw(port: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    text: () => received,
    closed: (ms = 15_000) => within(closed, ms, () => `the connection stayed open; received: ${received}`),
    async waitFor(pattern: RegExp, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(received)) {
        if (Date.now() > deadline)
          assert.fail(`no ${String(pattern)} within ${ms} ms; received: ${received}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

async function within<T>(promise: Promise<T>, ms: number, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(why())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const execStart = (id: string, body: string, extra = '') =>
  `POST /v1.41/exec/${id}/start HTTP/1.1\r\nHost: evil\r\n${UPGRADE}${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('hijacked calls', () => {
  let engine: TestEngine;
  let proxy: DockerProxy;
  let server: Server;
  let port: number;
  let valid = true;

  before(async () => {
    engine = await startTestEngine();
    const { access, caller: base } = testAccess('alice', [
      { roleId: 'full-control', collection: '/Shared/dev' },
    ]);
    const caller: ProxyCaller = { ...base, stillValid: () => Promise.resolve(valid) };
    const audit = { add: () => undefined, flush: () => Promise.resolve() } as unknown as AuditBatcher;
    proxy = createDockerProxy({
      dockerHost: engine.dockerHost,
      access,
      audit,
      version: 'test',
      log: console,
      imageOwners: createMemoryImageOwners(),
    });
    server = createServer((req, res) => proxy.handle(req, res, caller));
    server.on('upgrade', (req, socket, head: Buffer) => proxy.handleUpgrade(req, socket, head, caller));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await proxy.close();
    await engine.stop();
  });

  const reached = (path: string) => engine.seen.some((r) => r.url.includes(path));

  it('refuses an upgrade of anything but attach and exec start, and reads nothing after it', async () => {
    const c = raw(port);
    c.socket.write(
      `GET /v1.41/_ping HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\nGET /v1.41/swarm HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    await c.closed();
    assert.match(c.text(), /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.ok(c.text().includes(UPGRADE_REFUSED), c.text());
    assert.equal(c.text().match(/HTTP\/1\.1/g)?.length, 1, 'one answer only');
    assert.ok(!reached('/_ping') && !reached('/swarm'), JSON.stringify(engine.seen));

    const create = raw(port);
    const body = '{"Image":"x","HostConfig":{"Privileged":true}}';
    create.socket.write(
      `POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\n${UPGRADE}Content-Length: ${body.length}\r\n\r\n${body}`,
    );
    await create.closed();
    assert.match(create.text(), /^HTTP\/1\.1 400 /);
    assert.ok(!reached('/containers/create'));
  });

  it('refuses Transfer-Encoding and oversized bodies on an upgrade', async () => {
    const chunked = raw(port);
    chunked.socket.write(
      `POST /v1.41/exec/e1/start HTTP/1.1\r\nHost: x\r\n${UPGRADE}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    );
    await chunked.closed();
    assert.match(chunked.text(), /^HTTP\/1\.1 400 .*Content-Length, not Transfer-Encoding/s);
    const big = raw(port);
    big.socket.write(
      `POST /v1.41/exec/e1/start HTTP/1.1\r\nHost: x\r\n${UPGRADE}Content-Length: 70000\r\n\r\n`,
    );
    await big.closed();
    assert.match(big.text(), /^HTTP\/1\.1 413 /);
    assert.ok(!engine.seen.some((r) => r.url.endsWith('/start')));
  });

  it('sends the engine its own head and the re-serialized body, then splices with half-close', async () => {
    const c = raw(port);
    const extra =
      'User-Agent: Docker-Client/28.2.2 (linux)\r\nAuthorization: Bearer secret\r\nX-Extra: 1\r\n';
    c.socket.write(execStart('e1', '{ "Detach" : false,\n "Tty": true }', extra));
    await c.waitFor(/^HTTP\/1\.1 101 UPGRADED\r\n.*\r\n\r\n/s);
    const start = engine.seen.find((r) => r.url.endsWith('/start'));
    assert.ok(start);
    assert.equal(start.url, `/v1.41/exec/${EXEC_ID}/start`);
    assert.deepEqual(Object.fromEntries(start.headers), {
      host: 'docker',
      connection: 'Upgrade',
      upgrade: 'tcp',
      'user-agent': 'Docker-Client/28.2.2 (linux)',
      'content-type': 'application/json',
      'content-length': '27',
    });
    assert.equal(start.body, '{"Detach":false,"Tty":true}');
    c.socket.write('hello\n');
    await c.waitFor(/\r\n\r\nhello\n$/);
    c.socket.end(); // stdin at EOF: the engine's answer to it must still arrive
    await c.closed();
    assert.match(c.text(), /hello\neof\n$/);
    assert.ok(engine.closed(start.connection));
  });

  it('passes the WebSocket handshake of attach/ws, and nothing else of the client', async () => {
    const c = raw(port);
    c.socket.write(
      'GET /v1.41/containers/box/attach/ws?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n' +
        'Upgrade: websocket\r\nSec-WebSocket-Key: a2V5\r\nSec-WebSocket-Version: 13\r\nOrigin: http://x\r\n' +
        'Cookie: session=secret\r\n\r\n',
    );
    await c.waitFor(/^HTTP\/1\.1 101 Switching Protocols\r\n.*Sec-WebSocket-Accept: accepted\r\n\r\n$/s);
    const ws = engine.seen.find((r) => r.url.includes('/attach/ws'));
    assert.deepEqual(Object.fromEntries(ws?.headers ?? []), {
      host: 'docker',
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'a2V5',
      'sec-websocket-version': '13',
      origin: 'http://x',
    });
    assert.equal(ws?.url, `/v1.41/containers/${BOX_ID}/attach/ws?stream=1&stdout=1`);
    c.socket.destroy();
  });

  it('delivers bytes sent before the 101 as stream data, never as a request', async () => {
    const c = raw(port);
    c.socket.write(execStart('e1', '{}') + 'GET /v1.41/swarm HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitFor(/101 UPGRADED.*\r\n\r\nGET \/v1\.41\/swarm HTTP\/1\.1\r\nHost: x\r\n\r\n$/s);
    assert.ok(!reached('/swarm'));
    c.socket.destroy();
  });

  it('passes a non-101 answer on and closes both sides, dropping what the client sent after', async () => {
    const c = raw(port);
    c.socket.write(execStart('done', '{}') + 'GET /v1.41/swarm HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.closed();
    assert.match(c.text(), /^HTTP\/1\.1 409 .*connection: close\r\n.*exec done has already run/is);
    const start = engine.seen.find((r) => r.url.endsWith('/start') && r.url.includes('d0'));
    assert.ok(start);
    await within(
      waitUntil(() => engine.closed(start.connection)),
      10_000,
      () => 'engine side still open',
    );
    assert.ok(!reached('/swarm'));
  });

  it("cuts a live hijack and a followed stream once the caller's credential no longer stands", async () => {
    const attach = raw(port);
    attach.socket.write(
      `POST /v1.41/containers/box/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: x\r\n${UPGRADE}Content-Length: 0\r\n\r\n`,
    );
    await attach.waitFor(/101 UPGRADED/);
    const attachConnection = engine.seen.find((r) =>
      r.url.includes(`/containers/${BOX_ID}/attach`),
    )!.connection;
    const logs = new Promise<string>((resolve) => {
      get({ port, host: '127.0.0.1', path: '/v1.41/containers/box/logs?follow=1&stdout=1' }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('close', () => resolve(text));
        res.on('error', () => undefined);
      }).on('error', () => undefined);
    });
    await new Promise((r) => setTimeout(r, 1500));
    attach.socket.write('still here\n');
    await attach.waitFor(/still here\n$/);
    valid = false;
    // Re-checked about every second; the bounds only tell "cut" from "never cut" on a busy machine.
    await attach.closed(15_000);
    assert.match(await within(logs, 15_000, () => 'logs -f still streaming'), /line\n/);
    await within(
      waitUntil(() => engine.closed(attachConnection)),
      10_000,
      () => 'engine attach still open',
    );
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}
