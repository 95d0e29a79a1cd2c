/**
 * The Docker CLI against our registry, as a user runs it: a private engine builds the busybox test image,
 * pushes it, forgets it, pulls it back and runs it. 127.0.0.1 registries are insecure by default for dockerd,
 * so plain HTTP on loopback needs no engine configuration.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestImage, startDockerEngine } from '@stevedore/testkit';
import type { DockerEngine } from '@stevedore/testkit';
import { startRegistryProcess } from './registry-process.js';
import type { RegistryProcess } from './registry-process.js';

/** `docker push` ends with `<tag>: digest: sha256:<hex> size: <n>`. */
function pushedDigest(output: string): string {
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];
  assert.ok(digest, `docker push printed no digest:\n${output}`);
  return digest;
}

describe('docker push and pull through the stevedore registry', () => {
  let engine: DockerEngine | undefined;
  let registry: RegistryProcess | undefined;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'stevedore-registry-docker-'));
    // allSettled: whatever did start is assigned, so after() stops it even when the other failed.
    const results = await Promise.allSettled([
      startDockerEngine().then((e) => (engine = e)),
      startRegistryProcess(dataDir).then((r) => (registry = r)),
    ]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  });

  after(async () => {
    await Promise.all([engine?.stop(), registry?.stop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('pushes an image, pulls it back after removing it, and runs it', async () => {
    const docker = engine!.docker;
    const image = `${registry!.host}/library/busybox`;
    await buildTestImage(engine!, 'stevedore/busybox:test');
    await docker(['tag', 'stevedore/busybox:test', `${image}:v1`]);
    const digest = pushedDigest((await docker(['push', `${image}:v1`], { timeoutMs: 120_000 })).stdout);

    // The registry itself agrees on what was pushed.
    const head = await fetch(`${registry!.url}/v2/library/busybox/manifests/v1`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('docker-content-digest'), digest);

    // A second tag of the same image uploads no layer again.
    await docker(['tag', 'stevedore/busybox:test', `${image}:v2`]);
    const again = (await docker(['push', `${image}:v2`])).stdout;
    assert.match(again, /Layer already exists/);
    assert.equal(pushedDigest(again), digest);
    const tags = (await (await fetch(`${registry!.url}/v2/library/busybox/tags/list`)).json()) as {
      tags: string[];
    };
    assert.deepEqual(tags.tags, ['v1', 'v2']);

    // Into another repository, the layers are mounted from the first rather than uploaded.
    const other = `${registry!.host}/team/busybox`;
    await docker(['tag', 'stevedore/busybox:test', `${other}:v1`]);
    const mounted = (await docker(['push', `${other}:v1`])).stdout;
    assert.match(mounted, /Mounted from library\/busybox/);
    assert.equal(pushedDigest(mounted), digest);

    await docker(['rmi', `${image}:v1`, `${image}:v2`, `${other}:v1`, 'stevedore/busybox:test']);
    await assert.rejects(docker(['image', 'inspect', `${image}:v1`]), /No such image/);

    const pulled = (await docker(['pull', `${image}:v1`], { timeoutMs: 120_000 })).stdout;
    assert.match(pulled, /Downloaded newer image/);
    assert.match(pulled, new RegExp(`Digest: ${digest}`));
    const repoDigests = (
      await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `${image}:v1`])
    ).stdout;
    assert.deepEqual(JSON.parse(repoDigests), [`${image}@${digest}`]);

    const run = await docker([
      'run',
      '--rm',
      '--pull',
      'never',
      `${image}:v1`,
      'echo',
      'hello from stevedore',
    ]);
    assert.equal(run.stdout.trim(), 'hello from stevedore');
  });
});
