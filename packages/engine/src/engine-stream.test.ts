/**
 * Streams through the engine client: answers that flow as they are written, bodies piped in, aborts, and
 * hijacked (upgraded) connections; and the stdout/stderr frame decoder.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { EngineClient } from './engine-client.js';
import { DockerFrameDecoder, demuxDockerStream } from './engine-stream.js';
import { startTestServer, until, type TestServer } from './test-server.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const data = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

describe('engine client: streams and upgrades', () => {
  let server: TestServer;
  let client: EngineClient;
  const held: ServerResponse[] = [];

  before(async () => {
    server = await startTestServer(
      (req, res, body) => {
        if (req.url?.startsWith('/v1.41/containers/box/logs')) {
          // The first line, then nothing until the test says: the answer stays open.
          res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
          res.write(frame(1, 'first\n'));
          held.push(res);
        } else if (req.url === '/v1.41/build') {
          res.writeHead(200).end(`got ${body.length} bytes: ${body.toString()}`);
        } else res.writeHead(404).end('{"message":"no such path"}');
      },
      {
        onUpgrade(req, socket) {
          if (req.url?.includes('/exec/done/')) {
            socket.end('HTTP/1.1 409 Conflict\r\nContent-Length: 22\r\n\r\nexec has already run\r\n');
            return;
          }
          // The 101 and the first output in one write: the client gets that output as `head`.
          socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nready\n');
          socket.on('data', (d: Buffer) => socket.write(`echo ${d.toString()}`));
        },
      },
    );
    client = new EngineClient(server.dockerHost);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('passes an answer on as it arrives, before it ends', async () => {
    const logs = await client.stream('GET', '/containers/box/logs', { query: { follow: 1, stdout: 1 } });
    assert.equal(logs.statusCode, 200);
    const decoder = new DockerFrameDecoder();
    const lines: string[] = [];
    logs.on('data', (chunk: Buffer) => lines.push(...decoder.push(chunk).map((f) => f.data.toString())));
    await until(() => lines.length === 1);
    assert.equal(logs.complete, false, 'the answer is still open');
    held.shift()!.end(frame(1, 'last\n'));
    await new Promise((resolve) => logs.once('end', resolve));
    assert.deepEqual(lines, ['first\n', 'last\n']);
  });

  it('cuts a stream when its signal aborts', async () => {
    const aborting = new AbortController();
    const logs = await client.stream('GET', '/containers/box/logs', { signal: aborting.signal });
    const closed = new Promise((resolve) => logs.once('close', resolve));
    logs.resume();
    await until(() => held.length === 1);
    const serverSide = held.shift()!;
    const serverClosed = new Promise((resolve) => serverSide.once('close', resolve));
    aborting.abort();
    await closed;
    await serverClosed;
    assert.equal(logs.complete, false);
  });

  it('streams a request body piped in', async () => {
    const context = new PassThrough();
    const pending = client.call('POST', '/build', {
      body: context,
      headers: { 'content-type': 'application/x-tar' },
    });
    context.write('part one, ');
    context.end('part two');
    const answer = await pending;
    assert.equal(answer.body.toString(), 'got 18 bytes: part one, part two');
    assert.equal(server.seen.at(-1)!.headers['transfer-encoding'], 'chunked');
  });

  it('opens a request the caller writes, with the path as given', async () => {
    const answered = new Promise<string>((resolve) => {
      const req = client.open(
        'POST',
        '/v1.41/build',
        { 'content-length': 2 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        },
        { versioned: false },
      );
      req.end('ok');
    });
    assert.equal(await answered, 'got 2 bytes: ok');
  });

  it('hijacks a connection: the head, then bytes both ways on a fresh socket', async () => {
    const connections = server.connections();
    const up = await client.upgrade(
      'POST',
      '/exec/e1/start',
      { 'content-type': 'application/json' },
      {
        body: Buffer.from('{"Tty":true}'),
      },
    );
    assert.ok(up.upgraded);
    assert.equal(up.response.statusCode, 101);
    assert.equal(server.connections(), connections + 1);
    const asked = server.seen.at(-1)!;
    assert.equal(asked.url, '/v1.41/exec/e1/start');
    assert.equal(asked.headers['upgrade'], 'tcp');
    assert.equal(asked.headers['content-length'], '12');
    let output = up.head.toString();
    up.socket.on('data', (d: Buffer) => (output += d.toString()));
    up.socket.resume();
    up.socket.write('hello');
    await until(() => output.endsWith('echo hello'));
    assert.equal(output, 'ready\necho hello');
    up.socket.destroy();
  });

  it('hands over an answer that is not a 101, for the caller to read', async () => {
    const up = await client.upgrade('POST', '/exec/done/start', {});
    assert.ok(!up.upgraded);
    assert.equal(up.response.statusCode, 409);
    const chunks: Buffer[] = [];
    up.response.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((resolve) => up.response.once('end', resolve));
    assert.equal(Buffer.concat(chunks).toString(), 'exec has already run\r\n');
    up.close();
  });
});

describe('docker stream frames', () => {
  it('decodes frames from chunks cut anywhere, and whole answers', () => {
    const bytes = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more')]);
    const decoder = new DockerFrameDecoder();
    const frames = [];
    for (let i = 0; i < bytes.length; i += 3) frames.push(...decoder.push(bytes.subarray(i, i + 3)));
    assert.deepEqual(
      frames.map((f) => [f.stream, f.data.toString()]),
      [
        ['stdout', 'out\n'],
        ['stderr', 'err\n'],
        ['stdout', 'more'],
      ],
    );
    assert.equal(decoder.buffered, 0);
    assert.deepEqual(demuxDockerStream(bytes), { stdout: 'out\nmore', stderr: 'err\n' });
  });
});
