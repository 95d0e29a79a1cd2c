/**
 * The engine client against a real, private dockerd (testkit): ping and info, a container created from the
 * locally built test image, its logs followed as a stream while it runs, its stdin and output through an
 * attach (a hijacked connection), and its removal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestImage, startDockerEngine, type DockerEngine } from '@stevedore/testkit';
import { EngineClient } from './engine-client.js';
import type { EngineInfo, EngineVersion } from './engine-types.js';
import { DockerFrameDecoder } from './engine-stream.js';

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Collects a multiplexed stream's frames as text, per stream; `head` is what came before the stream. */
function collect(stream: NodeJS.ReadableStream, head: Buffer = Buffer.alloc(0)) {
  const decoder = new DockerFrameDecoder();
  const text = { stdout: '', stderr: '' };
  const take = (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) text[frame.stream] += frame.data.toString();
  };
  take(head);
  stream.on('data', take);
  return text;
}

describe('engine client against a real Docker Engine', () => {
  let engine: DockerEngine;
  let client: EngineClient;
  let image: string;

  before(async () => {
    engine = await startDockerEngine();
    image = await buildTestImage(engine);
    client = new EngineClient(engine.host);
  });
  after(async () => {
    client?.close();
    await engine?.stop();
  });

  it('pings and reads info and version at the pinned API version', async () => {
    assert.equal(await client.ping(), true);
    const info: EngineInfo = await client.info();
    assert.equal(info.DockerRootDir, engine.dataRoot);
    assert.equal(info.Swarm.LocalNodeState, 'inactive');
    const version: EngineVersion = await client.version();
    assert.match(version.ApiVersion, /^1\.\d+$/);
    assert.equal(await client.inspect('/containers/no-such-container/json'), undefined);
  });

  it('runs a container: logs followed as a stream, stdin and output through an attach, then removed', async () => {
    const { Id: id } = await client.json<{ Id: string }>('POST', '/containers/create', {
      body: {
        Image: image,
        Cmd: ['sh', '-c', 'echo started; read line; echo "got $line"; echo bye >&2'],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
      },
    });
    const attach = await client.upgrade(
      'POST',
      `/containers/${id}/attach`,
      { 'content-length': 0 },
      { query: { stream: 1, stdin: 1, stdout: 1, stderr: 1 } },
    );
    assert.ok(attach.upgraded, `attach answered ${attach.response.statusCode}`);
    attach.socket.on('error', () => undefined);
    const attached = collect(attach.socket, attach.head);
    attach.socket.resume();

    await client.json('POST', `/containers/${id}/start`);
    const logs = await client.stream('GET', `/containers/${id}/logs`, {
      query: { follow: 1, stdout: 1, stderr: 1 },
    });
    assert.equal(logs.statusCode, 200);
    const followed = collect(logs);
    const ended = new Promise((resolve) => logs.once('end', resolve));

    // The container waits for a line on stdin: what the logs show so far arrived while it runs.
    await until('the first log line', () => followed.stdout === 'started\n');
    assert.equal(logs.complete, false);
    assert.equal(attached.stdout, 'started\n');

    attach.socket.write('hello\n');
    await until(
      'the attached output',
      () => attached.stdout.endsWith('got hello\n') && attached.stderr === 'bye\n',
    );
    await ended;
    assert.deepEqual(followed, { stdout: 'started\ngot hello\n', stderr: 'bye\n' });
    attach.socket.destroy();

    const waited = await client.json<{ StatusCode: number }>('POST', `/containers/${id}/wait`);
    assert.equal(waited.StatusCode, 0);
    await client.json('DELETE', `/containers/${id}`);
    assert.equal(await client.inspect(`/containers/${id}/json`), undefined);
  });
});
