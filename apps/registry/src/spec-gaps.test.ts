import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keys } from '@stevedore/registry-core';
import {
  type TestRegistry,
  errorCode,
  pushBlob,
  pushImage,
  putManifest,
  sha256,
  startTestRegistry,
} from './testing.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const FOREIGN_TYPES = [
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
];

describe('registry: conformance gaps', () => {
  let reg: TestRegistry;
  before(async () => (reg = await startTestRegistry()));
  after(() => reg.close());

  it('accepts a manifest whose non-distributable layers were never pushed', async () => {
    const config = JSON.stringify({ architecture: 'amd64', os: 'windows' });
    const configDigest = await pushBlob(reg, 'win/base', config);
    const layer = await pushBlob(reg, 'win/base', 'own layer');
    const foreign = FOREIGN_TYPES.map((mediaType, i) => ({
      mediaType,
      digest: sha256(`foreign ${i}`),
      size: 1000 + i,
      urls: [`https://mcr.example/layers/${i}`],
    }));
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        ...foreign,
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: layer, size: 9 },
      ],
    });
    const res = await putManifest(reg, 'win/base', 'ltsc', body, DOCKER_MANIFEST);
    assert.equal(res.status, 201, await res.text());
    const get = await reg.fetch('/v2/win/base/manifests/ltsc', { headers: { Accept: DOCKER_MANIFEST } });
    assert.equal(await get.text(), body);
    assert.deepEqual((await reg.registry.fsck()).problems, [], 'fsck does not miss the foreign layers');
    const [tag] = (await reg.registry.discovery.tagDetails('win/base')).items;
    assert.deepEqual(tag?.platform, { os: 'windows', architecture: 'amd64' });
  });

  it('still refuses a manifest whose regular layer is missing', async () => {
    const config = '{}';
    const configDigest = await pushBlob(reg, 'win/broken', config);
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: configDigest, size: 2 },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha256('gone'), size: 4 },
      ],
    });
    const res = await putManifest(reg, 'win/broken', 'x', body, DOCKER_MANIFEST);
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'MANIFEST_BLOB_UNKNOWN');
  });

  it('answers GET and HEAD of a reference that is neither tag nor digest as an unknown manifest', async () => {
    await pushImage(reg, 'lib/app', 'v1');
    for (const reference of ['.INVALID_MANIFEST_NAME', 'sha256:short', '-dash']) {
      const get = await reg.fetch(`/v2/lib/app/manifests/${reference}`);
      assert.equal(get.status, 404, reference);
      assert.equal(await errorCode(get), 'MANIFEST_UNKNOWN');
      const head = await reg.fetch(`/v2/lib/app/manifests/${reference}`, { method: 'HEAD' });
      assert.equal(head.status, 404, reference);
    }
    const put = await putManifest(reg, 'lib/app', '.INVALID_MANIFEST_NAME', '{}');
    assert.equal(put.status, 400);
    assert.equal(await errorCode(put), 'MANIFEST_INVALID');
    const del = await reg.fetch('/v2/lib/app/manifests/.INVALID_MANIFEST_NAME', { method: 'DELETE' });
    assert.equal(del.status, 400);
  });

  it('reads tag records written before pushedAt was recorded, and records no pusher without auth', async () => {
    const digest = await pushImage(reg, 'lib/old', 'new');
    const size = (await reg.registry.manifests.head('lib/old', 'new')).size;
    const mediaType = 'application/vnd.oci.image.manifest.v1+json';
    await reg.store.put(keys.tag('lib/old', 'old'), JSON.stringify({ digest, mediaType, size }));
    assert.equal((await reg.fetch('/v2/lib/old/manifests/old')).status, 200);
    const { items } = await reg.registry.discovery.tagDetails('lib/old');
    assert.deepEqual(
      items.find((t) => t.tag === 'old'),
      { tag: 'old', digest, mediaType, size },
    );
    const fresh = items.find((t) => t.tag === 'new')!;
    assert.equal(fresh.pushedBy, undefined);
    assert.match(fresh.pushedAt!, /^\d{4}-\d\d-\d\dT/);
  });
});
