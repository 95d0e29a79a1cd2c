/**
 * ClusterEngineLink against two small engines on unix sockets (the manager's and a member's) and a member
 * that does not answer: what is merged, what is routed where, and what a missing member changes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '@stevedore/engine';
import { ClusterEngineLink, type ClusterMember } from './cluster-link.js';
import type { CallTarget } from './engine-link.js';
import { EngineRefusal } from './refusals.js';

type Handler = (path: string) => { status: number; body: unknown } | { lines: string[] } | undefined;

interface FakeEngine {
  readonly host: string;
  readonly seen: string[];
  close(): Promise<void>;
}

async function fakeEngine(dir: string, name: string, handle: Handler): Promise<FakeEngine> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/v\d+\.\d+/, '');
    seen.push(`${req.method} ${path}`);
    const answer = handle(path.split('?')[0]!);
    if (answer && 'lines' in answer) {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (const line of answer.lines) res.write(`${line}\n`);
      res.end();
      return;
    }
    const { status, body } = answer ?? { status: 404, body: { message: `No such thing: ${path}` } };
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  const socket = join(dir, `${name}.sock`);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    host: `unix://${socket}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const container = (id: string, name: string, created: number) => ({
  Id: id,
  Names: [`/${name}`],
  Created: created,
  Labels: {},
});

function engineOf(containers: ReturnType<typeof container>[], extra: Handler = () => undefined): Handler {
  return (path) => {
    if (path === '/containers/json') return { status: 200, body: containers };
    const held = /^\/containers\/([^/]+)\/(json|stop)$/.exec(path);
    const found = held && containers.find((c) => c.Id === held[1] || c.Names[0] === `/${held[1]}`);
    if (found) return { status: held[2] === 'json' ? 200 : 204, body: held[2] === 'json' ? found : '' };
    return extra(path);
  };
}

function read(answer: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    answer.setEncoding('utf8');
    answer.on('data', (d: string) => (text += d));
    answer.on('end', () => resolve(text));
    answer.on('error', reject);
  });
}

function send(
  link: ClusterEngineLink,
  method: string,
  path: string,
  target?: CallTarget,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const answered = (answer: IncomingMessage) => {
      read(answer).then((text) => resolve({ status: answer.statusCode ?? 0, text }), reject);
    };
    const request = link.open(method, path, {}, answered, target);
    request.on('error', reject);
    request.end();
  });
}

describe('one engine over a cluster’s engines', () => {
  let dir: string;
  let manager: FakeEngine;
  let worker: FakeEngine;
  let members: ClusterMember[];
  let link: ClusterEngineLink;
  const warnings: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cluster-link-'));
    manager = await fakeEngine(
      dir,
      'manager',
      engineOf([container('a1'.repeat(32), 'web', 10)], (path) => {
        if (path === '/volumes/data') return { status: 200, body: { Name: 'data' } };
        if (path === '/volumes')
          return { status: 200, body: { Volumes: [{ Name: 'data' }], Warnings: null } };
        if (path === '/images/json')
          return { status: 200, body: [{ Id: 'sha256:i1', RepoTags: ['app:1'], Containers: 1, Created: 5 }] };
        if (path === '/events') return { lines: ['{"id":"m1"}', '{"id":"m2"}'] };
        return undefined;
      }),
    );
    worker = await fakeEngine(
      dir,
      'worker',
      engineOf([container('b1'.repeat(32), 'db', 20), container('b2'.repeat(32), 'cache', 5)], (path) => {
        if (path === '/volumes/data') return { status: 200, body: { Name: 'data' } };
        if (path === '/volumes')
          return { status: 200, body: { Volumes: [{ Name: 'data' }], Warnings: null } };
        if (path === '/images/json')
          return {
            status: 200,
            body: [{ Id: 'sha256:i1', RepoTags: ['app:latest'], Containers: 2, Created: 5 }],
          };
        if (path === '/events') return { lines: ['{"id":"w1"}'] };
        return undefined;
      }),
    );
    members = [
      { id: 'n-manager', name: 'manager' },
      { id: 'n-worker', name: 'worker', client: new EngineClient(worker.host) },
      { id: 'n-gone', name: 'gone', client: new EngineClient(`unix://${join(dir, 'nobody.sock')}`) },
    ];
    link = new ClusterEngineLink(
      manager.host,
      { members: () => Promise.resolve(members) },
      { warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify((obj as { node?: string }).node)}`) },
    );
  });

  after(async () => {
    link.close();
    for (const m of members) m.client?.close();
    await manager.close();
    await worker.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every member’s containers, newest first, names carrying their node', async () => {
    const { status, text } = await send(link, 'GET', '/v1.41/containers/json?all=1');
    assert.equal(status, 200);
    const names = (JSON.parse(text) as { Names: string[] }[]).map((c) => c.Names[0]);
    assert.deepEqual(names, ['/worker/db', '/manager/web', '/worker/cache']);
    assert.ok(
      warnings.some((w) => w.includes('"gone"')),
      'the member that did not answer is logged',
    );
  });

  it('applies docker ps -n to the whole list', async () => {
    const { text } = await send(link, 'GET', '/v1.41/containers/json?limit=2');
    assert.equal((JSON.parse(text) as unknown[]).length, 2);
  });

  it('gives its own lookups the names as the engines have them', async () => {
    const answer = await link.call('GET', '/containers/json?all=1');
    const names = (JSON.parse(answer.body.toString()) as { Names: string[] }[]).map((c) => c.Names[0]);
    assert.deepEqual(names, ['/db', '/web', '/cache']);
  });

  it('sends a call on a container to the member that holds it', async () => {
    const id = 'b2'.repeat(32);
    await send(link, 'POST', `/v1.41/containers/${id}/stop`);
    assert.ok(worker.seen.includes(`POST /containers/${id}/stop`));
    assert.ok(!manager.seen.includes(`POST /containers/${id}/stop`));
  });

  it('finds a container by name on whichever member has it', async () => {
    const answer = await link.call('GET', '/containers/db/json');
    assert.equal(answer.status, 200);
    assert.equal((JSON.parse(answer.body.toString()) as { Id: string }).Id, 'b1'.repeat(32));
    assert.equal(answer.node, 'n-worker', 'the answer names the node the planned call must go to');
    assert.equal((await link.call('GET', '/containers/nothing/json')).status, 404);
  });

  it('merges images by id and keeps every member’s volume', async () => {
    const images = JSON.parse((await send(link, 'GET', '/v1.41/images/json')).text) as {
      RepoTags: string[];
      Containers: number;
    }[];
    assert.equal(images.length, 1);
    assert.deepEqual(images[0]!.RepoTags.sort(), ['app:1', 'app:latest']);
    assert.equal(images[0]!.Containers, 3);
    const volumes = JSON.parse((await send(link, 'GET', '/v1.41/volumes')).text) as {
      Volumes: unknown[];
      Warnings: string[];
    };
    assert.equal(volumes.Volumes.length, 2);
    assert.deepEqual(volumes.Warnings, ['node gone did not answer: its volumes are not listed']);
  });

  it('sends a planned call to the node its lookup named, and refuses one whose node is gone', async () => {
    const id = 'b1'.repeat(32);
    await send(link, 'POST', `/v1.41/containers/${id}/stop`, { node: 'n-worker' });
    assert.ok(worker.seen.includes(`POST /containers/${id}/stop`));
    await assert.rejects(
      send(link, 'POST', `/v1.41/containers/${id}/stop`, { node: 'n-left' }),
      (err: Error) => {
        assert.ok(err instanceof EngineRefusal);
        assert.equal(err.status, 503);
        return true;
      },
    );
    assert.throws(() => link.clientFor('POST', `/containers/${id}/attach`, 'n-left'), EngineRefusal);
  });

  it('takes a volume name held by two nodes as ambiguous, never as either one', async () => {
    const answer = await link.call('GET', '/volumes/data');
    assert.equal(answer.status, 409);
    assert.match(answer.body.toString(), /volume data is on several nodes \(manager, worker\)/);
    const removed = await link.call('DELETE', '/volumes/data');
    assert.equal(removed.status, 409);
    assert.ok(
      !worker.seen.includes('DELETE /volumes/data') && !manager.seen.includes('DELETE /volumes/data'),
    );
  });

  it('merges the members’ event streams line by line', async () => {
    const { text } = await send(link, 'GET', '/v1.41/events?until=1');
    assert.deepEqual(text.trim().split('\n').sort(), ['{"id":"m1"}', '{"id":"m2"}', '{"id":"w1"}']);
  });
});

describe('a cluster member that takes the call and never answers', () => {
  it('is left out of a pull after the header timeout, and the pull says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cluster-link-hang-'));
    const manager = await fakeEngine(dir, 'manager', (path) =>
      path === '/images/create' ? { lines: ['{"status":"pulled on the manager"}'] } : undefined,
    );
    const held: Socket[] = [];
    const hung = createNetServer((socket) => held.push(socket));
    const hungSocket = join(dir, 'hung.sock');
    await new Promise<void>((resolve) => hung.listen(hungSocket, resolve));
    const client = new EngineClient(`unix://${hungSocket}`);
    const warned: string[] = [];
    const link = new ClusterEngineLink(
      manager.host,
      {
        members: () =>
          Promise.resolve([
            { id: 'm', name: 'manager' },
            { id: 'h', name: 'hung', client },
          ]),
      },
      { warn: (_obj, msg) => warned.push(msg) },
      { streamHeadersMs: 300 },
    );
    try {
      const { status, text } = await send(link, 'POST', '/v1.41/images/create?fromImage=app&tag=1');
      assert.equal(status, 200);
      const lines = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { status: string });
      assert.deepEqual(lines.map((l) => l.status).sort(), [
        'hung: did not answer within 0.3 s',
        'pulled on the manager',
      ]);
      assert.deepEqual(warned, ['a cluster member did not answer within 0.3 s']);
    } finally {
      link.close();
      client.close();
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
      await manager.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
