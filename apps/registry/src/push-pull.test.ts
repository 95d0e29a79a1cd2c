import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  type TestRegistry,
  buildImage,
  errorCode,
  pushBlob,
  pushImage,
  putManifest,
  sha256,
  startTestRegistry,
} from './testing.js';

describe('registry: push and pull', () => {
  let reg: TestRegistry;
  before(async () => (reg = await startTestRegistry()));
  after(() => reg.close());

  it('answers /v2/ with the API version header', async () => {
    const res = await reg.fetch('/v2/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  it('pushes a blob monolithically and serves GET/HEAD with digest, length and ranges', async () => {
    const data = '0123456789';
    const digest = await pushBlob(reg, 'lib/blobs', data);
    const head = await reg.fetch(`/v2/lib/blobs/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '10');
    assert.equal(head.headers.get('docker-content-digest'), digest);
    const get = await reg.fetch(`/v2/lib/blobs/blobs/${digest}`);
    assert.equal(await get.text(), data);
    const part = await reg.fetch(`/v2/lib/blobs/blobs/${digest}`, { headers: { Range: 'bytes=3-5' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 3-5/10');
    assert.equal(await part.text(), '345');
    const suffix = await reg.fetch(`/v2/lib/blobs/blobs/${digest}`, { headers: { Range: 'bytes=-2' } });
    assert.equal(await suffix.text(), '89');
    const past = await reg.fetch(`/v2/lib/blobs/blobs/${digest}`, { headers: { Range: 'bytes=10-' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), 'bytes */10');
    assert.equal(await errorCode(past), 'RANGE_INVALID');
  });

  it('uploads by POST then PUT, and in chunks with Content-Range, with status and Location', async () => {
    const post = await reg.fetch('/v2/lib/chunks/blobs/uploads/', { method: 'POST' });
    assert.equal(post.status, 202);
    const location = post.headers.get('location')!;
    assert.match(location, /^\/v2\/lib\/chunks\/blobs\/uploads\/[0-9a-f-]{36}$/);
    assert.equal(post.headers.get('range'), '0-0');
    const one = await reg.fetch(location, {
      method: 'PATCH',
      body: 'abc',
      headers: { 'Content-Range': '0-2' },
    });
    assert.equal(one.status, 202);
    assert.equal(one.headers.get('range'), '0-2');
    const two = await reg.fetch(one.headers.get('location')!, {
      method: 'PATCH',
      body: 'def',
      headers: { 'Content-Range': '3-5' },
    });
    assert.equal(two.headers.get('range'), '0-5');
    const status = await reg.fetch(location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-5');
    assert.equal(status.headers.get('docker-upload-uuid'), location.split('/').pop());
    const put = await reg.fetch(`${location}?digest=${sha256('abcdefgh')}`, {
      method: 'PUT',
      body: 'gh',
      headers: { 'Content-Range': '6-7' },
    });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('location'), `/v2/lib/chunks/blobs/${sha256('abcdefgh')}`);
    assert.equal(await (await reg.fetch(put.headers.get('location')!)).text(), 'abcdefgh');
    assert.equal((await reg.fetch(location)).status, 404, 'the session is gone once closed');
  });

  it('accepts a streamed PATCH without length, and a sha512 upload', async () => {
    const post = await reg.fetch('/v2/lib/stream/blobs/uploads/?digest-algorithm=sha512', { method: 'POST' });
    const location = post.headers.get('location')!;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Buffer.from('streamed '));
        controller.enqueue(Buffer.from('body'));
        controller.close();
      },
    });
    const patch = await reg.fetch(location, { method: 'PATCH', body, duplex: 'half' });
    assert.equal(patch.status, 202);
    const { createHash } = await import('node:crypto');
    const digest = `sha512:${createHash('sha512').update('streamed body').digest('hex')}`;
    const put = await reg.fetch(`${location}?digest=${digest}`, { method: 'PUT' });
    assert.equal(put.status, 201);
    assert.equal(
      (await reg.fetch(`/v2/lib/stream/blobs/${digest}`)).headers.get('docker-content-digest'),
      digest,
    );
  });

  it('cancels an upload with DELETE', async () => {
    const location = (await reg.fetch('/v2/lib/cancel/blobs/uploads/', { method: 'POST' })).headers.get(
      'location',
    )!;
    assert.equal((await reg.fetch(location, { method: 'DELETE' })).status, 204);
    assert.equal((await reg.fetch(location)).status, 404);
  });

  it('mounts a blob from another repository (201), and falls back to an upload session (202)', async () => {
    const digest = await pushBlob(reg, 'lib/source', 'shared layer');
    const mounted = await reg.fetch(`/v2/lib/target/blobs/uploads/?mount=${digest}&from=lib/source`, {
      method: 'POST',
    });
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get('docker-content-digest'), digest);
    assert.equal((await reg.fetch(`/v2/lib/target/blobs/${digest}`, { method: 'HEAD' })).status, 200);
    const fallback = await reg.fetch(
      `/v2/lib/target/blobs/uploads/?mount=${sha256('nope')}&from=lib/source`,
      { method: 'POST' },
    );
    assert.equal(fallback.status, 202);
    assert.match(fallback.headers.get('location')!, /\/blobs\/uploads\//);
  });

  it('pushes and pulls a manifest by tag and by digest, with content negotiation', async () => {
    const body = await buildImage(reg, 'lib/app', { layers: ['l1', 'l2'] });
    const put = await putManifest(reg, 'lib/app', 'v1', body);
    assert.equal(put.status, 201);
    const digest = sha256(body);
    assert.equal(put.headers.get('docker-content-digest'), digest);
    assert.equal(put.headers.get('location'), `/v2/lib/app/manifests/${digest}`);
    for (const ref of ['v1', digest]) {
      const get = await reg.fetch(`/v2/lib/app/manifests/${ref}`, {
        headers: { Accept: `${OCI_MANIFEST}, ${OCI_INDEX}` },
      });
      assert.equal(get.status, 200);
      assert.equal(get.headers.get('content-type'), OCI_MANIFEST);
      assert.equal(get.headers.get('docker-content-digest'), digest);
      assert.equal(await get.text(), body, 'exactly the bytes pushed');
      const head = await reg.fetch(`/v2/lib/app/manifests/${ref}`, { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(body)));
    }
    const refused = await reg.fetch('/v2/lib/app/manifests/v1', {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
    });
    assert.equal(refused.status, 404);
    assert.equal(await errorCode(refused), 'MANIFEST_UNKNOWN');
  });

  it('pushes an index whose children exist, and tags by digest with ?tag= and OCI-Tag', async () => {
    const child = await pushImage(reg, 'lib/multi', 'amd64');
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: child, size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    });
    const digest = sha256(index);
    const res = await putManifest(reg, 'lib/multi', `${digest}?tag=1.0&tag=latest`, index, OCI_INDEX);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('oci-tag'), '1.0, latest');
    const tags = (await (await reg.fetch('/v2/lib/multi/tags/list')).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['1.0', 'amd64', 'latest']);
  });

  it('accepts Docker schema 2 manifests and manifest lists', async () => {
    const config = await pushBlob(reg, 'lib/docker', '{"os":"linux"}');
    const layer = await pushBlob(reg, 'lib/docker', 'docker layer');
    const v2 = 'application/vnd.docker.distribution.manifest.v2+json';
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: v2,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: config, size: 14 },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: layer, size: 12 }],
    });
    assert.equal((await putManifest(reg, 'lib/docker', 'latest', manifest, v2)).status, 201);
    const list = 'application/vnd.docker.distribution.manifest.list.v2+json';
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: list,
      manifests: [{ mediaType: v2, digest: sha256(manifest), size: manifest.length }],
    });
    assert.equal((await putManifest(reg, 'lib/docker', 'multi', body, list)).status, 201);
    assert.equal((await reg.fetch('/v2/lib/docker/manifests/multi')).headers.get('content-type'), list);
  });

  it('deletes tags, manifests (with their tags) and blobs with 202, then 404', async () => {
    const digest = await pushImage(reg, 'lib/del', 'a');
    assert.equal(
      (
        await putManifest(
          reg,
          'lib/del',
          'b',
          await (await reg.fetch(`/v2/lib/del/manifests/${digest}`)).text(),
        )
      ).status,
      201,
    );
    assert.equal((await reg.fetch('/v2/lib/del/manifests/a', { method: 'DELETE' })).status, 202);
    assert.equal((await reg.fetch('/v2/lib/del/manifests/a')).status, 404);
    assert.equal(
      (await reg.fetch(`/v2/lib/del/manifests/${digest}`)).status,
      200,
      'the manifest outlives one tag',
    );
    assert.equal((await reg.fetch(`/v2/lib/del/manifests/${digest}`, { method: 'DELETE' })).status, 202);
    assert.equal(
      (await reg.fetch('/v2/lib/del/manifests/b')).status,
      404,
      'tags of a deleted manifest go with it',
    );
    assert.equal((await reg.fetch(`/v2/lib/del/manifests/${digest}`, { method: 'DELETE' })).status, 404);
    const blob = await pushBlob(reg, 'lib/del', 'bye');
    assert.equal((await reg.fetch(`/v2/lib/del/blobs/${blob}`, { method: 'DELETE' })).status, 202);
    assert.equal((await reg.fetch(`/v2/lib/del/blobs/${blob}`)).status, 404);
    assert.equal((await reg.fetch(`/v2/lib/del/blobs/${blob}`, { method: 'DELETE' })).status, 404);
  });

  it('answers unknown repositories and manifests with 404 and the spec code', async () => {
    assert.equal(await errorCode(await reg.fetch('/v2/no/such/manifests/latest')), 'NAME_UNKNOWN');
    await pushImage(reg, 'lib/known', 'x');
    assert.equal(await errorCode(await reg.fetch('/v2/lib/known/manifests/missing')), 'MANIFEST_UNKNOWN');
    assert.equal(await errorCode(await reg.fetch(`/v2/lib/known/blobs/${sha256('?')}`)), 'BLOB_UNKNOWN');
    assert.equal(await errorCode(await reg.fetch('/v2/no/such/tags/list')), 'NAME_UNKNOWN');
    const wrongMethod = await reg.fetch('/v2/lib/known/tags/list', { method: 'DELETE' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(await errorCode(wrongMethod), 'UNSUPPORTED');
  });
});
