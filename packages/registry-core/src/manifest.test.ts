import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRegistryError, toRegistryErrorResponse, registryError } from './errors.js';
import { parseManifest } from './manifest.js';
import { MediaTypes, acceptsMediaType } from './media-types.js';
import { digestOf } from './digest.js';

const d = (s: string) => digestOf(Buffer.from(s));
const desc = (mediaType: string, s: string) => ({ mediaType, digest: d(s), size: s.length });
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('manifest parsing', () => {
  const image = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: desc('application/vnd.oci.image.config.v1+json', 'cfg'),
    layers: [desc('application/vnd.oci.image.layer.v1.tar+gzip', 'l1')],
  };

  it('parses an OCI image manifest: blobs, and artifactType from the config when absent', () => {
    const parsed = parseManifest(json(image), `${MediaTypes.ociManifest}; charset=utf-8`);
    assert.equal(parsed.kind, 'image');
    assert.deepEqual(
      parsed.blobs.map((b) => b.digest),
      [d('cfg'), d('l1')],
    );
    assert.equal(parsed.artifactType, 'application/vnd.oci.image.config.v1+json');
  });

  it('takes the type from Content-Type when the manifest has no mediaType', () => {
    const { mediaType: _m, ...bare } = image;
    assert.equal(parseManifest(json(bare), MediaTypes.ociManifest).mediaType, MediaTypes.ociManifest);
  });

  it('parses indexes and Docker manifest lists with subject and annotations', () => {
    const index = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [desc(MediaTypes.ociManifest, 'child')],
      subject: desc(MediaTypes.ociManifest, 'subject'),
      annotations: { a: 'b' },
    };
    const parsed = parseManifest(json(index), MediaTypes.ociIndex);
    assert.equal(parsed.kind, 'index');
    assert.equal(parsed.subject?.digest, d('subject'));
    assert.equal(parsed.artifactType, undefined, 'an index without artifactType has none');
    const list = { schemaVersion: 2, mediaType: MediaTypes.dockerManifestList, manifests: [] };
    assert.equal(parseManifest(json(list), MediaTypes.dockerManifestList).kind, 'index');
  });

  const refused: [string, Buffer, string | undefined, RegExp][] = [
    ['malformed JSON', Buffer.from('{'), MediaTypes.ociManifest, /not valid JSON/],
    ['a JSON array', json([]), MediaTypes.ociManifest, /JSON object/],
    ['schema 1 by header', json({ schemaVersion: 1 }), MediaTypes.dockerSchema1Signed, /schema 1/],
    ['schema 1 by body', json({ schemaVersion: 1, name: 'x' }), 'application/json', /schema 1/],
    ['Content-Type that differs from mediaType', json(image), MediaTypes.dockerManifest, /does not match/],
    [
      'unknown media type',
      json({ ...image, mediaType: 'text/plain' }),
      'text/plain',
      /unsupported manifest media type/,
    ],
    [
      'no type at all',
      json({ schemaVersion: 2, config: image.config, layers: [] }),
      undefined,
      /unsupported manifest media type/,
    ],
    [
      'schemaVersion 3',
      json({ ...image, schemaVersion: 3 }),
      MediaTypes.ociManifest,
      /schemaVersion must be 2/,
    ],
    [
      'missing config',
      json({ ...image, config: undefined }),
      MediaTypes.ociManifest,
      /config must be a descriptor/,
    ],
    [
      'bad layer digest',
      json({ ...image, layers: [{ mediaType: 'x', digest: 'sha256:zz', size: 1 }] }),
      MediaTypes.ociManifest,
      /digest/,
    ],
    [
      'negative size',
      json({ ...image, layers: [{ ...image.layers[0], size: -1 }] }),
      MediaTypes.ociManifest,
      /size/,
    ],
    [
      'index without manifests',
      json({ schemaVersion: 2, mediaType: MediaTypes.ociIndex }),
      MediaTypes.ociIndex,
      /manifests must be an array/,
    ],
    [
      'non-string annotations',
      json({ ...image, annotations: { a: 1 } }),
      MediaTypes.ociManifest,
      /annotations/,
    ],
  ];
  for (const [name, body, contentType, message] of refused) {
    it(`refuses ${name} with MANIFEST_INVALID`, () =>
      assert.throws(
        () => parseManifest(body, contentType),
        (err) => isRegistryError(err, 'MANIFEST_INVALID') && message.test(err.message),
      ));
  }
});

describe('content negotiation', () => {
  it('serves what is listed, wildcards, or anything without Accept', () => {
    assert.equal(acceptsMediaType(undefined, MediaTypes.ociManifest), true);
    assert.equal(acceptsMediaType('*/*', MediaTypes.ociManifest), true);
    assert.equal(
      acceptsMediaType(
        [`${MediaTypes.dockerManifest}`, `${MediaTypes.ociManifest};q=0.5`],
        MediaTypes.ociManifest,
      ),
      true,
    );
    assert.equal(acceptsMediaType(MediaTypes.dockerSchema1Signed, MediaTypes.ociManifest), false);
  });
});

describe('registry errors', () => {
  it('serialize once as {errors:[{code,message,detail}]} with the registered status', () => {
    const res = toRegistryErrorResponse(
      registryError('BLOB_UNKNOWN', 'blob x is not here', { detail: { digest: 'x' } }),
    );
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, {
      errors: [{ code: 'BLOB_UNKNOWN', message: 'blob x is not here', detail: { digest: 'x' } }],
    });
    assert.equal(toRegistryErrorResponse(registryError('RANGE_INVALID')).status, 416);
    assert.equal(
      toRegistryErrorResponse(registryError('MANIFEST_INVALID', 'too big', { status: 413 })).status,
      413,
    );
  });
  it('never leak an unexpected error', () => {
    const res = toRegistryErrorResponse(new Error('EACCES /var/lib/secret'));
    assert.equal(res.status, 500);
    assert.equal(res.unexpected, true);
    assert.doesNotMatch(JSON.stringify(res.body), /secret|EACCES/);
  });
});
