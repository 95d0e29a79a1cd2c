import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startDockerEngine } from './docker-engine.js';
import type { DockerEngine } from './docker-engine.js';
import { buildTestImage } from './image.js';
import { demuxDockerStream } from './docker-request.js';
import { mountsUnder, pidsMentioning } from './docker-cleanup.js';
import { isFailedPrecondition } from '@stevedore/errors';

const TAG = 'stevedore/busybox:test';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('private Docker Engine', () => {
  let engine: DockerEngine;
  let imageId: string;

  before(async () => {
    engine = await startDockerEngine();
    imageId = await buildTestImage(engine, TAG);
  });
  after(async () => {
    await engine?.stop();
  });

  it('is its own daemon, not the machine default', async () => {
    const info = (await engine.request('GET', '/info')).json<{
      DockerRootDir: string;
      Swarm: { LocalNodeState: string };
    }>();
    assert.equal(info.DockerRootDir, engine.dataRoot);
    assert.notEqual(info.DockerRootDir, '/var/lib/docker');
    assert.equal(engine.env['DOCKER_HOST'], `unix://${engine.socketPath}`);
    assert.equal(info.Swarm.LocalNodeState, 'inactive');
  });

  it('builds the busybox test image idempotently, without pulling', async () => {
    assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await buildTestImage(engine, TAG), imageId);
    // A second tag is a real second build: the builder's cache must yield the very same image.
    assert.equal(await buildTestImage(engine, 'stevedore/busybox:again'), imageId);
    const { stdout } = await engine.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.deepEqual(stdout.trim().split('\n').sort(), ['stevedore/busybox:again', TAG]);
  });

  it('runs a container through the Engine API: create, start, wait, logs', async () => {
    const created = await engine.request('POST', '/containers/create', {
      Image: TAG,
      Cmd: ['sh', '-c', 'echo hello-from-stevedore; echo oops >&2; ls /bin | wc -l'],
    });
    assert.equal(created.status, 201, created.body.toString());
    const { Id: id } = created.json<{ Id: string }>();
    assert.equal((await engine.request('POST', `/containers/${id}/start`)).status, 204);
    const waited = await engine.request('POST', `/containers/${id}/wait`);
    assert.equal(waited.json<{ StatusCode: number }>().StatusCode, 0);
    const logs = await engine.request('GET', `/containers/${id}/logs?stdout=1&stderr=1`);
    const { stdout, stderr } = demuxDockerStream(logs.body);
    const [greeting, applets] = stdout.trim().split('\n');
    assert.equal(greeting, 'hello-from-stevedore');
    assert.ok(Number(applets) >= 12, `expected the applet symlinks in /bin, got ${applets}`);
    assert.equal(stderr, 'oops\n');
    assert.equal((await engine.request('DELETE', `/containers/${id}`)).status, 204);
  });

  it('runs the CLI against this engine only, and reports failures with the exit code and stderr', async () => {
    const { stdout } = await engine.docker(['run', '--rm', '-i', TAG, 'cat'], { input: 'piped-in' });
    assert.equal(stdout, 'piped-in');
    await assert.rejects(engine.docker(['image', 'inspect', 'no-such-image']), (err: unknown) => {
      assert.ok(isFailedPrecondition(err));
      const e = err as { exitCode: number; stderr: string; args: string[] };
      assert.equal(e.exitCode, 1);
      assert.match(e.stderr, /no-such-image/);
      assert.deepEqual(e.args, ['image', 'inspect', 'no-such-image']);
      return true;
    });
  });

  it('leaves nothing behind when stopped, and stop is idempotent', async () => {
    const other = await startDockerEngine();
    const dir = other.dataRoot.replace(/\/data$/, '');
    assert.notEqual(other.socketPath, engine.socketPath);
    // A running container leaves a shim, an overlay mount and a network namespace for stop() to clear.
    await buildTestImage(other, TAG);
    await other.docker(['run', '--detach', TAG, 'sleep', '300']);
    await other.stop();
    await other.stop();
    assert.equal(existsSync(dir), false);
    assert.deepEqual(pidsMentioning(`${dir}/`), [], 'dockerd, containerd and shims are gone');
    assert.deepEqual(mountsUnder(dir), []);
    assert.equal(existsSync(`/sys/class/net/${other.bridge}`), false, 'its bridge is removed');
    assert.equal((await engine.request('GET', '/_ping')).status, 200, 'the first engine is unaffected');
  });
});

describe('private Docker Engine in swarm mode', () => {
  let engine: DockerEngine;

  before(async () => {
    engine = await startDockerEngine({ swarm: true });
    await buildTestImage(engine, TAG);
  });
  after(async () => {
    await engine?.stop();
  });

  it('runs a service task to Running and removes it', async () => {
    const info = (await engine.request('GET', '/info')).json<{
      Swarm: { LocalNodeState: string; ControlAvailable: boolean };
    }>();
    assert.equal(info.Swarm.LocalNodeState, 'active');
    assert.equal(info.Swarm.ControlAvailable, true);

    const created = await engine.request('POST', '/services/create', {
      Name: 'testkit-sleeper',
      TaskTemplate: { ContainerSpec: { Image: TAG, Command: ['sleep', '300'] } },
      Mode: { Replicated: { Replicas: 1 } },
    });
    assert.equal(created.status, 201, created.body.toString());
    const { ID: serviceId } = created.json<{ ID: string }>();
    const filters = encodeURIComponent(JSON.stringify({ service: [serviceId] }));
    type Task = { Status: { State: string; Err?: string } };
    const running = await until('a running task', async () => {
      const tasks = (await engine.request('GET', `/tasks?filters=${filters}`)).json<Task[]>();
      const failed = tasks.find((t) => ['failed', 'rejected'].includes(t.Status.State));
      if (failed) throw new Error(`task ${failed.Status.State}: ${failed.Status.Err ?? ''}`);
      return tasks.find((t) => t.Status.State === 'running');
    });
    assert.equal(running.Status.State, 'running');

    assert.equal((await engine.request('DELETE', `/services/${serviceId}`)).status, 200);
    const gone = await engine.request('GET', `/services/${serviceId}`);
    assert.equal(gone.status, 404);
  });
});
