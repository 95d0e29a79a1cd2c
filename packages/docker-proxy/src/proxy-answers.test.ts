/**
 * The proxy's answers end to end, in process, against a small engine on a unix socket: a list goes out
 * filtered as it streamed (unsized, the kept items as the engine wrote them), and an inspect of the target
 * is answered from the lookup that found it, so the engine is asked once — unless the call asked for
 * something the lookup did not (a query, another API version).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditBatcher } from '@stevedore/audit';
import { createDockerProxy, type DockerProxy } from './proxy.js';
import { createMemoryImageOwners } from './image-owners.js';
import { REDACTED } from './redaction.js';
import { EVERYONE, IN_DEV, testCallers, type Who } from './test-callers.js';

const MINE = 'a1'.padEnd(64, '0');
const THEIRS = 'b2'.padEnd(64, '0');
const container = (id: string, labels: Record<string, string>) => ({
  Id: id,
  Name: `/${id.slice(0, 2)}`,
  Config: { Labels: labels, Env: ['PASSWORD=hunter2'] },
});
/** The engine's list, with a space in one item: only that item's own bytes keep it. */
const LIST = `[{"Id":"${MINE}","Labels":${JSON.stringify(IN_DEV)},"Note": "spaced"},{"Id":"${THEIRS}","Labels":{}}]\n`;

interface Seen {
  readonly method: string;
  readonly url: string;
}

async function startEngine(): Promise<{ socketPath: string; seen: Seen[]; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-proxy-answers-'));
  const socketPath = join(dir, 'docker.sock');
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    const path = (req.url ?? '').split('?')[0]!.replace(/^\/v[\d.]+/, '');
    const json = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json', 'api-version': '1.41' });
      // Written in two pieces without a length, as the engine writes big answers (chunked).
      res.write(body.slice(0, 10));
      res.end(body.slice(10));
    };
    if (path === '/containers/json') return json(200, LIST);
    const inspected = /^\/containers\/([^/]+)\/json$/.exec(path)?.[1];
    if (inspected === MINE || inspected === 'mine') return json(200, JSON.stringify(container(MINE, IN_DEV)));
    if (inspected === THEIRS) return json(200, JSON.stringify(container(THEIRS, {})));
    json(404, JSON.stringify({ message: 'No such container' }));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    seen,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('proxy answers', () => {
  let engine: Awaited<ReturnType<typeof startEngine>>;
  const proxies: DockerProxy[] = [];
  const servers: Server[] = [];
  const ports = {} as Record<Who, number>;

  before(async () => {
    engine = await startEngine();
    const audit = { add: () => undefined, flush: () => Promise.resolve() } as unknown as AuditBatcher;
    const callers = testCallers();
    for (const who of EVERYONE) {
      const { access, caller } = callers[who];
      const proxy = createDockerProxy({
        dockerHost: `unix://${engine.socketPath}`,
        access,
        audit,
        version: 'test',
        log: console,
        imageOwners: createMemoryImageOwners(),
      });
      const server = createServer((req, res) => proxy.handle(req, res, caller));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      proxies.push(proxy);
      servers.push(server);
      ports[who] = (server.address() as AddressInfo).port;
    }
  });
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    for (const proxy of proxies) await proxy.close();
    await engine.stop();
  });

  const get = (who: Who, path: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: ports[who], path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject).end();
    });
  /** The engine requests one call made. */
  const engineCalls = async (call: () => Promise<unknown>) => {
    const before = engine.seen.length;
    await call();
    return engine.seen.slice(before).map((s) => `${s.method} ${s.url}`);
  };

  it('streams a list out filtered, the kept item as the engine wrote it', async () => {
    const answer = await get('view-only', '/v1.41/containers/json');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-length'], undefined);
    assert.equal(answer.headers['api-version'], '1.41');
    assert.equal(answer.body, `[{"Id":"${MINE}","Labels":${JSON.stringify(IN_DEV)},"Note": "spaced"}]\n`);
  });

  it('answers an inspect of the target from the lookup that found it', async () => {
    let answer: Awaited<ReturnType<typeof get>> | undefined;
    const calls = await engineCalls(
      async () => (answer = await get('restricted-control', '/v1.41/containers/mine/json')),
    );
    assert.deepEqual(calls, ['GET /v1.41/containers/mine/json']);
    assert.equal(answer?.status, 200);
    assert.equal(answer?.headers['content-length'], String(Buffer.byteLength(answer?.body ?? '')));
    assert.deepEqual(JSON.parse(answer?.body ?? ''), container(MINE, IN_DEV));
  });

  it('redacts an inspect answered from the lookup for a caller without the logs operation', async () => {
    const answer = await get('view-only', '/v1.41/containers/mine/json');
    const config = (JSON.parse(answer.body) as { Config: { Env: string[] } }).Config;
    assert.deepEqual(config.Env, [`PASSWORD=${REDACTED}`]);
  });

  it('sends the call on when it asks for more than the lookup read', async () => {
    const sized = await engineCalls(() => get('restricted-control', '/v1.41/containers/mine/json?size=1'));
    assert.deepEqual(sized, ['GET /v1.41/containers/mine/json', `GET /v1.41/containers/${MINE}/json?size=1`]);
    const older = await engineCalls(() => get('restricted-control', '/v1.40/containers/mine/json'));
    assert.deepEqual(older, ['GET /v1.41/containers/mine/json', `GET /v1.40/containers/${MINE}/json`]);
    const unversioned = await engineCalls(() => get('admin', '/containers/mine/json'));
    assert.deepEqual(unversioned, ['GET /v1.41/containers/mine/json', `GET /containers/${MINE}/json`]);
  });

  it('answers an invisible target as a missing one, whatever the lookup read', async () => {
    const answer = await get('view-only', `/v1.41/containers/${THEIRS}/json`);
    assert.equal(answer.status, 404);
    assert.ok(!answer.body.includes('PASSWORD'), answer.body);
  });
});
