/**
 * The engine client against a small server on a unix socket: version pinning, bodies, statuses and their
 * error classes, keep-alive reuse, timeouts and unreachable engines.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  isConflict,
  isFailedPrecondition,
  isInvalidArgument,
  isNotFound,
  isUnavailable,
} from '@stevedore/errors';
import { EngineClient } from './engine-client.js';
import { startTestServer, until, type TestServer } from './test-server.js';

const json = (status: number, value: unknown) => ({ status, body: JSON.stringify(value) });

describe('engine client: buffered calls', () => {
  let server: TestServer;
  let client: EngineClient;

  before(async () => {
    server = await startTestServer((req, res, body) => {
      const path = (req.url ?? '').split('?')[0];
      const answer =
        path === '/v1.41/echo'
          ? json(200, { type: req.headers['content-type'] ?? null, body: body.toString('latin1') })
          : path === '/v1.41/containers/gone/json'
            ? json(404, { message: 'No such container: gone' })
            : path === '/v1.41/containers/busy'
              ? json(409, { message: 'container is running: stop it first' })
              : path === '/v1.41/broken'
                ? { status: 500, body: 'plain failure' }
                : path === '/v1.41/html'
                  ? { status: 200, body: '<html>' }
                  : path === '/v1.41/hang'
                    ? undefined
                    : json(200, { url: req.url });
      if (answer) res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    client = new EngineClient(server.dockerHost);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('pins paths to the API version, unless told to send them as they are', async () => {
    assert.deepEqual((await client.call('GET', '/info')).json(), { url: '/v1.41/info' });
    const filtered = await client.call('GET', '/containers/json', {
      query: { all: true, limit: 2, filters: { label: ['a=b'] }, before: undefined },
    });
    assert.deepEqual(filtered.json(), {
      url: '/v1.41/containers/json?all=true&limit=2&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D',
    });
    assert.deepEqual((await client.call('GET', '/v1.24/info', { versioned: false })).json(), {
      url: '/v1.24/info',
    });
    const other = new EngineClient(server.dockerHost, { apiVersion: '1.45' });
    assert.deepEqual(await other.json('GET', '/version'), { url: '/v1.45/version' });
    other.close();
    await assert.rejects(client.call('GET', '/v1.41/info'), isInvalidArgument);
    assert.throws(() => new EngineClient(server.dockerHost, { apiVersion: 'latest' }), isInvalidArgument);
  });

  it('sends a Buffer as-is and anything else as JSON', async () => {
    const tar = Buffer.from([0, 1, 2, 255]);
    assert.deepEqual((await client.call('POST', '/echo', { body: tar })).json(), {
      type: 'application/octet-stream',
      body: tar.toString('latin1'),
    });
    const typed = await client.call('POST', '/echo', {
      body: tar,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    assert.equal(typed.json<{ type: string }>().type, 'application/x-tar');
    assert.deepEqual(await client.json('POST', '/echo', { body: { Image: 'busybox', Cmd: ['sh'] } }), {
      type: 'application/json',
      body: '{"Image":"busybox","Cmd":["sh"]}',
    });
  });

  it('resolves error statuses; the typed helpers throw their class with the engine’s message', async () => {
    const gone = await client.call('GET', '/containers/gone/json');
    assert.equal(gone.status, 404);
    assert.equal(await client.inspect('/containers/gone/json'), undefined);
    await assert.rejects(client.json('GET', '/containers/gone/json'), (err: Error) => {
      assert.ok(isNotFound(err));
      assert.equal(
        err.message,
        `the Docker Engine at ${server.dockerHost} refused GET /v1.41/containers/gone/json (404): No such container: gone`,
      );
      return true;
    });
    await assert.rejects(client.json('POST', '/containers/busy'), (err: Error) => {
      assert.ok(isConflict(err));
      assert.match(err.message, /\(409\): container is running: stop it first$/);
      return true;
    });
    await assert.rejects(client.inspect('/broken'), (err: Error) => {
      assert.ok(isFailedPrecondition(err));
      assert.match(err.message, /\(500\): plain failure$/);
      return true;
    });
    await assert.rejects(client.json('GET', '/html'), (err: Error) => {
      assert.ok(isFailedPrecondition(err));
      assert.match(err.message, /is that address a Docker Engine\?$/);
      return true;
    });
  });

  it('reuses one connection for sequential calls, and close() ends it', async () => {
    const fresh = new EngineClient(server.dockerHost);
    const before = server.connections();
    for (let i = 0; i < 5; i++) assert.equal((await fresh.call('GET', '/info')).status, 200);
    assert.equal(server.connections() - before, 1);
    const open = server.open();
    fresh.close();
    await until(() => server.open() === open - 1);
  });

  it('gives up on a call after its timeout, naming the engine and the call', async () => {
    await assert.rejects(client.call('GET', '/hang', { timeoutMs: 50 }), (err: Error) => {
      assert.ok(isUnavailable(err));
      assert.equal(
        err.message,
        `Docker Engine at ${server.dockerHost} did not answer GET /v1.41/hang within 50 ms; is it running?`,
      );
      return true;
    });
    await assert.rejects(
      client.stream('GET', '/hang', { timeoutMs: 50 }),
      /did not answer GET \/v1\.41\/hang/,
    );
    // The engine still answers the next call.
    assert.equal((await client.call('GET', '/info')).status, 200);
  });

  it('stops a call when its signal aborts, and only then when it has no time bound', async () => {
    const hangs = () => server.seen.filter((s) => s.url === '/v1.41/hang').length;
    const asked = hangs();
    const aborting = new AbortController();
    // timeoutMs 0: no bound; only the signal ends it.
    const pending = client.call('GET', '/hang', { signal: aborting.signal, timeoutMs: 0 });
    await until(() => hangs() > asked);
    aborting.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    await assert.rejects(client.call('GET', '/info', { signal: aborting.signal }), { name: 'AbortError' });
  });

  it('has ping, info, version and swarm init', async () => {
    assert.equal(await client.ping(), true);
    assert.deepEqual(await client.info(), { url: '/v1.41/info' });
    assert.deepEqual(await client.version(), { url: '/v1.41/version' });
    assert.deepEqual(await client.swarmInit({ advertiseAddr: '10.0.0.1' }), { url: '/v1.41/swarm/init' });
    const init = server.seen.at(-1)!;
    assert.deepEqual(JSON.parse(init.body.toString()), {
      ListenAddr: '0.0.0.0:2377',
      AdvertiseAddr: '10.0.0.1',
    });
  });
});

describe('engine client: an engine that is not there', () => {
  it('says which address could not be reached, on a unix socket and on TCP', async () => {
    const missing = new EngineClient('unix:///tmp/stevedore-no-such-engine/docker.sock');
    await assert.rejects(missing.info(), (err: Error) => {
      assert.ok(isUnavailable(err));
      assert.match(
        err.message,
        /^cannot reach the Docker Engine at unix:\/\/\/tmp\/stevedore-no-such-engine\/docker\.sock \(GET \/v1\.41\/info\): connect ENOENT .*; is it running, and is the address right\?$/,
      );
      return true;
    });
    assert.equal(await missing.ping(), false);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = new EngineClient(`tcp://127.0.0.1:${port}`);
    await assert.rejects(
      refused.call('GET', '/_ping'),
      new RegExp(
        `^UnavailableError: cannot reach the Docker Engine at tcp://127\\.0\\.0\\.1:${port} \\(GET /v1\\.41/_ping\\): connect ECONNREFUSED`,
      ),
    );
    missing.close();
    refused.close();
  });
});
