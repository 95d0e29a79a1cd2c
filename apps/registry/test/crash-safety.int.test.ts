/**
 * Crash safety, as the issue states it: SIGKILL `stevedore registry serve` in the middle of 50 concurrent
 * pushes, start it again on the same data dir, and every push that was acknowledged (its manifest PUT got
 * 201) pulls back byte-identical, and `stevedore registry fsck` finds nothing. An upload session cut by a
 * SIGKILL resumes after the restart. Then a flipped byte in one stored blob must make fsck fail, so its
 * "nothing found" means something.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFsck, startRegistryProcess } from './registry-process.js';
import type { RegistryProcess } from './registry-process.js';

const PUSHES = 50;
const KILL_AFTER_ACKS = 12;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Push {
  readonly repo: string;
  readonly tag: string;
  readonly config: Buffer;
  readonly layer: Buffer;
  readonly manifest: Buffer;
}

const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function makePush(i: number): Push {
  const layer = randomBytes(256 * 1024 + i * 32 * 1024);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', push: i }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: digestOf(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: digestOf(layer),
          size: layer.length,
        },
      ],
    }),
  );
  return { repo: `crash/app${i % 5}`, tag: `push-${i}`, config, layer, manifest };
}

/** POST then PUT ?digest= with the whole blob: the monolithic upload every registry supports. */
async function uploadBlob(base: string, repo: string, blob: Buffer): Promise<void> {
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await start.arrayBuffer();
  assert.equal(start.status, 202, `POST upload to ${repo}`);
  const location = new URL(start.headers.get('location') ?? '', base);
  location.searchParams.set('digest', digestOf(blob));
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: blob,
  });
  await put.arrayBuffer();
  assert.equal(put.status, 201, `PUT blob to ${repo}`);
}

async function push(base: string, p: Push): Promise<number> {
  await uploadBlob(base, p.repo, p.config);
  await uploadBlob(base, p.repo, p.layer);
  const res = await fetch(`${base}/v2/${p.repo}/manifests/${p.tag}`, {
    method: 'PUT',
    headers: { 'content-type': MANIFEST },
    body: p.manifest,
  });
  await res.arrayBuffer();
  return res.status;
}

async function fetchBytes(
  url: string,
  accept?: string,
): Promise<{ status: number; body: Buffer; digest: string | null }> {
  const res = await fetch(url, accept ? { headers: { accept } } : {});
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body, digest: res.headers.get('docker-content-digest') };
}

/** The file under `dir` whose bytes are exactly `content` (where the registry stored that blob). */
async function findStoredCopy(dir: string, content: Buffer): Promise<string | undefined> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await stat(path)).size !== content.length) continue;
    const file = await open(path, 'r');
    try {
      const bytes = Buffer.alloc(content.length);
      await file.read(bytes, 0, bytes.length, 0);
      if (bytes.equals(content)) return path;
    } finally {
      await file.close();
    }
  }
  return undefined;
}

describe('registry crash safety (SIGKILL)', () => {
  let dataDir: string;
  const started: RegistryProcess[] = [];
  const pushes = Array.from({ length: PUSHES }, (_, i) => makePush(i));
  const acknowledged: Push[] = [];
  let failed = 0;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'stevedore-registry-crash-'));
  });

  after(async () => {
    for (const p of started) await p.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged push when killed mid-flight', async (t) => {
    const first = await startRegistryProcess(dataDir);
    started.push(first);
    let killing: Promise<void> | undefined;
    await Promise.all(
      pushes.map(async (p) => {
        try {
          if ((await push(first.url, p)) !== 201) {
            failed++;
            return;
          }
          acknowledged.push(p);
          if (acknowledged.length === KILL_AFTER_ACKS) killing = first.kill('SIGKILL');
        } catch {
          failed++; // connection reset by the kill: not acknowledged, so nothing is promised
        }
      }),
    );
    await killing;
    assert.ok(killing, `the registry was never killed: only ${acknowledged.length} pushes were acknowledged`);
    assert.ok(failed > 0, 'every push completed before the kill, so the kill was not mid-flight');
    t.diagnostic(`${acknowledged.length} pushes acknowledged before the SIGKILL, ${failed} cut off`);

    const afterCrash = await runFsck(dataDir);
    assert.equal(afterCrash.code, 0, `fsck right after the crash reported damage:\n${afterCrash.output}`);

    const second = await startRegistryProcess(dataDir);
    started.push(second);
    for (const p of acknowledged) {
      const manifest = await fetchBytes(`${second.url}/v2/${p.repo}/manifests/${p.tag}`, MANIFEST);
      assert.equal(manifest.status, 200, `${p.repo}:${p.tag} was acknowledged before the crash but is gone`);
      assert.ok(
        manifest.body.equals(p.manifest),
        `${p.repo}:${p.tag} came back with different manifest bytes`,
      );
      assert.equal(manifest.digest, digestOf(p.manifest));
      for (const blob of [p.config, p.layer]) {
        const got = await fetchBytes(`${second.url}/v2/${p.repo}/blobs/${digestOf(blob)}`);
        assert.equal(got.status, 200, `blob ${digestOf(blob)} of ${p.repo}:${p.tag} is gone`);
        assert.ok(got.body.equals(blob), `blob ${digestOf(blob)} of ${p.repo}:${p.tag} came back altered`);
      }
    }
    // The restarted registry takes new pushes, into the repositories the crash interrupted too.
    const fresh = makePush(PUSHES);
    assert.equal(await push(second.url, fresh), 201, 'a push after the restart failed');
    const back = await fetchBytes(`${second.url}/v2/${fresh.repo}/manifests/${fresh.tag}`, MANIFEST);
    assert.ok(back.body.equals(fresh.manifest));

    await second.stop();
    const afterRestart = await runFsck(dataDir);
    assert.equal(afterRestart.code, 0, `fsck after the restart reported damage:\n${afterRestart.output}`);
  });

  it('resumes an upload session that a SIGKILL interrupted', async () => {
    const blob = randomBytes(3 * 1024 * 1024);
    const half = 1024 * 1024 + 17;
    const first = await startRegistryProcess(dataDir);
    started.push(first);
    const start = await fetch(`${first.url}/v2/crash/resume/blobs/uploads/`, { method: 'POST' });
    await start.arrayBuffer();
    assert.equal(start.status, 202);
    const location = start.headers.get('location') ?? '';
    const patch = await fetch(new URL(location, first.url), {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${half - 1}` },
      body: blob.subarray(0, half),
    });
    await patch.arrayBuffer();
    assert.equal(patch.status, 202);
    await first.kill('SIGKILL');

    const second = await startRegistryProcess(dataDir);
    started.push(second);
    const status = await fetch(new URL(location, second.url));
    await status.arrayBuffer();
    assert.equal(status.status, 204, 'the upload session did not survive the restart');
    assert.equal(status.headers.get('range'), `0-${half - 1}`);
    const rest = new URL(status.headers.get('location') ?? location, second.url);
    rest.searchParams.set('digest', digestOf(blob));
    const done = await fetch(rest, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${half}-${blob.length - 1}` },
      body: blob.subarray(half),
    });
    await done.arrayBuffer();
    assert.equal(done.status, 201, 'finishing the resumed upload failed');
    const got = await fetchBytes(`${second.url}/v2/crash/resume/blobs/${digestOf(blob)}`);
    assert.ok(got.body.equals(blob), 'the resumed blob came back altered');
    await second.stop();
  });

  it('fsck exits non-zero once a stored blob is damaged', async () => {
    const victim = acknowledged[0];
    assert.ok(victim, 'the crash test acknowledged no push');
    const path = await findStoredCopy(dataDir, victim.layer);
    assert.ok(path, `no file under ${dataDir} holds the bytes of blob ${digestOf(victim.layer)}`);
    const file = await open(path, 'r+');
    try {
      await file.write(Buffer.from([victim.layer[0]! ^ 0xff]), 0, 1, 0);
    } finally {
      await file.close();
    }
    const damaged = await runFsck(dataDir);
    assert.notEqual(
      damaged.code,
      0,
      `fsck passed a blob whose bytes no longer match its digest:\n${damaged.output}`,
    );
    assert.match(
      damaged.output,
      new RegExp(digestOf(victim.layer).slice('sha256:'.length, 'sha256:'.length + 12)),
    );
  });
});
