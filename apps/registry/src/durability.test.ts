/**
 * What must hold across concurrency, restarts and damage: concurrent PUTs of one tag end consistent, an
 * upload resumes after a restart (filesystem blobs + SQLite store), close() drains in-flight requests, and
 * fsck finds a corrupted and a missing blob.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FilesystemBlobDriver, MemoryBlobDriver } from '@stevedore/blobstore';
import { openStore } from '@stevedore/store';
import { startRegistry } from './server.js';
import {
  type TestRegistry,
  buildImage,
  pushBlob,
  pushImage,
  putManifest,
  sha256,
  startTestRegistry,
} from './testing.js';

const quiet = pino({ level: 'silent' });

/** Polls `check` until it holds; the deadline is only an upper bound for a loaded machine. */
async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) return; // the caller's assertion says what did not happen
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('registry: concurrency, restarts, drain and fsck', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stevedore-registry-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('concurrent PUTs of one tag leave the tag on one complete manifest', async () => {
    const reg = await startTestRegistry();
    try {
      const bodies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => buildImage(reg, 'lib/race', { layers: [`layer ${i}`] })),
      );
      const results = await Promise.all(bodies.map((b) => putManifest(reg, 'lib/race', 'latest', b)));
      assert.deepEqual(
        results.map((r) => r.status),
        bodies.map(() => 201),
      );
      const get = await reg.fetch('/v2/lib/race/manifests/latest');
      const body = await get.text();
      assert.ok(bodies.includes(body), 'the tag names one of the pushed manifests');
      assert.equal(get.headers.get('docker-content-digest'), sha256(body));
      for (const b of bodies)
        assert.equal(
          (await reg.fetch(`/v2/lib/race/manifests/${sha256(b)}`, { method: 'HEAD' })).status,
          200,
        );
      assert.deepEqual(
        ((await (await reg.fetch('/v2/lib/race/tags/list')).json()) as { tags: string[] }).tags,
        ['latest'],
      );
      assert.equal((await reg.registry.fsck()).ok, true);
    } finally {
      await reg.close();
    }
  });

  it('resumes an upload after a restart and verifies the whole blob', async () => {
    const dataDir = join(dir, 'resume');
    let running = await startRegistry({ listen: '127.0.0.1:0', dataDir, logger: quiet });
    const post = await fetch(`${running.url}/v2/lib/resume/blobs/uploads/`, { method: 'POST' });
    const location = post.headers.get('location')!;
    const first = Buffer.alloc(300_000, 1);
    const patch = await fetch(running.url + location, {
      method: 'PATCH',
      body: first,
      headers: { 'Content-Range': `0-${first.length - 1}` },
    });
    assert.equal(patch.status, 202);
    await running.close();

    running = await startRegistry({ listen: '127.0.0.1:0', dataDir, logger: quiet });
    try {
      const status = await fetch(running.url + location);
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), `0-${first.length - 1}`);
      const rest = Buffer.alloc(100_000, 2);
      const whole = Buffer.concat([first, rest]);
      const put = await fetch(`${running.url}${location}?digest=${sha256(whole)}`, {
        method: 'PUT',
        body: rest,
        headers: { 'Content-Range': `${first.length}-${whole.length - 1}` },
      });
      assert.equal(put.status, 201, await put.text());
      const pulled = Buffer.from(
        await (await fetch(`${running.url}/v2/lib/resume/blobs/${sha256(whole)}`)).arrayBuffer(),
      );
      assert.ok(pulled.equals(whole));
    } finally {
      await running.close();
    }
  });

  it('close() lets an in-flight upload finish before it resolves', async () => {
    // The driver says when the PATCH's first bytes reach it: from then on the request is in flight.
    let arrived!: () => void;
    const inServer = new Promise<void>((resolve) => (arrived = resolve));
    const driver = new (class extends MemoryBlobDriver {
      override appendUpload(
        ...[id, offset, source, options = {}]: Parameters<MemoryBlobDriver['appendUpload']>
      ) {
        return super.appendUpload(id, offset, source, {
          ...options,
          onChunk: (chunk) => {
            options.onChunk?.(chunk);
            arrived();
          },
        });
      }
    })();
    const reg = await startTestRegistry({ driver });
    const location = (await reg.fetch('/v2/lib/drain/blobs/uploads/', { method: 'POST' })).headers.get(
      'location',
    )!;
    let finish!: () => void;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(Buffer.from('first half, '));
        await new Promise<void>((resolve) => (finish = resolve));
        controller.enqueue(Buffer.from('second half'));
        controller.close();
      },
    });
    const inFlight = reg.fetch(location, { method: 'PATCH', body, duplex: 'half' });
    await inServer;
    let closed = false;
    const closing = reg.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed, false, 'close waits for the request');
    finish();
    const res = await inFlight;
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('range'), '0-22');
    await closing;
    await assert.rejects(fetch(`${reg.url}/v2/`), 'no longer listening');
  });

  it('fsck reports a corrupted blob and a missing blob, and nothing on healthy data', async () => {
    const root = join(dir, 'fsck');
    const store = await openStore({ kind: 'sqlite', path: join(root, 'store.db') });
    const reg: TestRegistry = await startTestRegistry({
      store,
      driver: new FilesystemBlobDriver(join(root, 'blobs')),
    });
    try {
      await pushImage(reg, 'lib/fsck', 'v1', { layers: ['will be corrupted', 'will go missing'] });
      const healthy = await reg.registry.fsck();
      assert.equal(healthy.ok, true, JSON.stringify(healthy.problems));
      assert.equal(healthy.checked.tags, 1);

      const corrupt = sha256('will be corrupted');
      const missing = sha256('will go missing');
      const pathOf = (d: string) => join(root, 'blobs', 'sha256', d.slice(7, 9), d.slice(7), 'data');
      await writeFile(pathOf(corrupt), 'tampered');
      await unlink(pathOf(missing));
      const report = await reg.registry.fsck();
      assert.equal(report.ok, false);
      const kinds = report.problems.map((p) => `${p.kind} ${p.digest}`);
      assert.ok(kinds.includes(`blob-corrupt ${corrupt}`), kinds.join('\n'));
      assert.ok(kinds.includes(`blob-missing ${missing}`), kinds.join('\n'));
      assert.ok(kinds.includes(`layer-dangling ${missing}`), kinds.join('\n'));
      assert.ok(!kinds.some((k) => k.startsWith('tag-dangling')));
      assert.ok((await readdir(join(root, 'blobs', 'sha256'))).length > 0);
    } finally {
      await reg.close();
      await store.close();
    }
  });

  it('a chunk cut off by the client is not accepted; the session continues from the accepted size', async () => {
    const reg = await startTestRegistry();
    try {
      const location = (await reg.fetch('/v2/lib/cut/blobs/uploads/', { method: 'POST' })).headers.get(
        'location',
      )!;
      await reg.fetch(location, { method: 'PATCH', body: 'kept', headers: { 'Content-Range': '0-3' } });
      await new Promise<void>((resolve) => {
        const req = request(`${reg.url}${location}`, {
          method: 'PATCH',
          headers: { 'Content-Length': 1000 },
        });
        req.on('error', () => resolve());
        req.write(Buffer.alloc(500, 1), () => setTimeout(() => req.destroy(), 50));
      });
      await until(async () => (await reg.fetch(location)).headers.get('range') === '0-3');
      assert.equal((await reg.fetch(location)).headers.get('range'), '0-3');
      const put = await reg.fetch(`${location}?digest=${sha256('kept!')}`, { method: 'PUT', body: '!' });
      assert.equal(put.status, 201);
    } finally {
      await reg.close();
    }
  });

  it('a blob pushed twice concurrently is stored once and served whole', async () => {
    const reg = await startTestRegistry();
    try {
      const data = Buffer.alloc(200_000, 7);
      const digests = await Promise.all([pushBlob(reg, 'lib/dup', data), pushBlob(reg, 'lib/dup', data)]);
      assert.equal(digests[0], digests[1]);
      const got = Buffer.from(await (await reg.fetch(`/v2/lib/dup/blobs/${digests[0]}`)).arrayBuffer());
      assert.ok(got.equals(data));
    } finally {
      await reg.close();
    }
  });
});
