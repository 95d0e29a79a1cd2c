/**
 * Table-driven bad input: each request gets the spec's error code and status, and nothing is written
 * (the Store and blob storage are identical before and after).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  OCI_MANIFEST,
  type TestRegistry,
  buildImage,
  pushBlob,
  sha256,
  startTestRegistry,
} from './testing.js';

interface Case {
  readonly name: string;
  readonly method: string;
  /** Path, or a function of the fixture (for upload locations). */
  readonly path: string | ((f: Fixture) => string);
  readonly body?: string | ((f: Fixture) => string);
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
}

interface Fixture {
  readonly layer: string;
  readonly manifest: string;
  readonly upload: string;
}

const GOOD = `sha256:${'a'.repeat(64)}`;
const big = (n: number) => JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, pad: 'x'.repeat(n) });

const cases: Case[] = [
  {
    name: 'uppercase name',
    method: 'GET',
    path: '/v2/Library/app/tags/list',
    status: 400,
    code: 'NAME_INVALID',
  },
  {
    name: 'dot-dot name',
    method: 'GET',
    path: '/v2/lib/a..b/tags/list',
    status: 400,
    code: 'NAME_INVALID',
  },
  {
    name: 'too long name',
    method: 'POST',
    path: `/v2/${'a'.repeat(256)}/blobs/uploads/`,
    status: 400,
    code: 'NAME_INVALID',
  },
  {
    name: 'malformed digest on GET',
    method: 'GET',
    path: '/v2/lib/app/blobs/sha256:xyz',
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'unknown algorithm',
    method: 'GET',
    path: `/v2/lib/app/blobs/md5:${'a'.repeat(32)}`,
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'monolithic upload, malformed digest',
    method: 'POST',
    path: '/v2/lib/app/blobs/uploads/?digest=sha256:nope',
    body: 'x',
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'monolithic upload, mismatched digest',
    method: 'POST',
    path: `/v2/lib/app/blobs/uploads/?digest=${GOOD}`,
    body: 'not a',
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'unsupported digest-algorithm',
    method: 'POST',
    path: '/v2/lib/app/blobs/uploads/?digest-algorithm=md5',
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'manifest naming a missing blob',
    method: 'PUT',
    path: '/v2/lib/app/manifests/broken',
    body: (f) => f.manifest.replace(f.layer, sha256('never pushed')),
    headers: { 'Content-Type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_BLOB_UNKNOWN',
  },
  {
    name: 'malformed JSON manifest',
    method: 'PUT',
    path: '/v2/lib/app/manifests/bad',
    body: '{"schemaVersion": 2,',
    headers: { 'Content-Type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'wrong Content-Type',
    method: 'PUT',
    path: '/v2/lib/app/manifests/bad',
    body: (f) => f.manifest,
    headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'no usable Content-Type',
    method: 'PUT',
    path: '/v2/lib/app/manifests/bad',
    body: '{"schemaVersion":2,"config":{},"layers":[]}',
    headers: { 'Content-Type': 'application/octet-stream' },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'schema 1 manifest',
    method: 'PUT',
    path: '/v2/lib/app/manifests/old',
    body: '{"schemaVersion":1,"name":"lib/app"}',
    headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'oversized manifest',
    method: 'PUT',
    path: '/v2/lib/app/manifests/big',
    body: big(5000),
    headers: { 'Content-Type': OCI_MANIFEST },
    status: 413,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'manifest digest mismatch',
    method: 'PUT',
    path: `/v2/lib/app/manifests/${GOOD}`,
    body: (f) => f.manifest,
    headers: { 'Content-Type': OCI_MANIFEST },
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'invalid tag',
    method: 'PUT',
    path: '/v2/lib/app/manifests/-bad',
    body: (f) => f.manifest,
    headers: { 'Content-Type': OCI_MANIFEST },
    status: 400,
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'range past the end',
    method: 'GET',
    path: (f) => `/v2/lib/app/blobs/${f.layer}`,
    headers: { Range: 'bytes=1000-2000' },
    status: 416,
    code: 'RANGE_INVALID',
  },
  {
    name: 'unknown upload id (PATCH)',
    method: 'PATCH',
    path: '/v2/lib/app/blobs/uploads/00000000-0000-0000-0000-000000000000',
    body: 'x',
    status: 404,
    code: 'BLOB_UPLOAD_UNKNOWN',
  },
  {
    name: 'unknown upload id (GET)',
    method: 'GET',
    path: '/v2/lib/app/blobs/uploads/not-a-uuid',
    status: 404,
    code: 'BLOB_UPLOAD_UNKNOWN',
  },
  {
    name: 'upload of another repository',
    method: 'GET',
    path: (f) => f.upload.replace('/lib/app/', '/lib/other/'),
    status: 404,
    code: 'BLOB_UPLOAD_UNKNOWN',
  },
  {
    name: 'out-of-order chunk',
    method: 'PATCH',
    path: (f) => f.upload,
    body: 'zz',
    headers: { 'Content-Range': '5-6' },
    status: 416,
    code: 'RANGE_INVALID',
  },
  {
    name: 'overlapping chunk',
    method: 'PATCH',
    path: (f) => f.upload,
    body: 'zz',
    headers: { 'Content-Range': '0-1' },
    status: 416,
    code: 'RANGE_INVALID',
  },
  {
    name: 'chunk length differs from its range',
    method: 'PATCH',
    path: (f) => f.upload,
    body: 'zzz',
    headers: { 'Content-Range': '3-4' },
    status: 400,
    code: 'SIZE_INVALID',
  },
  {
    name: 'closing PUT without digest',
    method: 'PUT',
    path: (f) => f.upload,
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'referrers of a malformed digest',
    method: 'GET',
    path: '/v2/lib/app/referrers/sha256:short',
    status: 400,
    code: 'DIGEST_INVALID',
  },
  { name: 'negative page size', method: 'GET', path: '/v2/_catalog?n=-1', status: 400, code: 'UNSUPPORTED' },
];

describe('registry: bad input is refused with the spec code, and nothing is written', () => {
  let reg: TestRegistry;
  let fixture: Fixture;
  before(async () => {
    reg = await startTestRegistry({ maxManifestBytes: 4096 });
    const manifest = await buildImage(reg, 'lib/app', { layers: ['one layer'] });
    const post = await reg.fetch('/v2/lib/app/blobs/uploads/', { method: 'POST' });
    const upload = post.headers.get('location')!;
    await reg.fetch(upload, { method: 'PATCH', body: 'abc', headers: { 'Content-Range': '0-2' } });
    fixture = { layer: await pushBlob(reg, 'lib/app', 'one layer'), manifest, upload };
  });
  after(() => reg.close());

  for (const c of cases) {
    it(`${c.name} → ${c.status} ${c.code}`, async () => {
      const before = await reg.snapshot();
      const path = typeof c.path === 'function' ? c.path(fixture) : c.path;
      const body = typeof c.body === 'function' ? c.body(fixture) : c.body;
      const res = await reg.fetch(path, {
        method: c.method,
        ...(body !== undefined ? { body } : {}),
        headers: c.headers ?? {},
      });
      const text = await res.text();
      assert.equal(res.status, c.status, text);
      const parsed = JSON.parse(text) as { errors: { code: string; message: string }[] };
      assert.equal(parsed.errors[0]?.code, c.code, text);
      assert.ok(parsed.errors[0].message.length > 10, 'the message says what was wrong');
      assert.doesNotMatch(text, /\bat .*\.ts:\d+/, 'no stack trace');
      assert.equal(await reg.snapshot(), before, 'nothing was written');
    });
  }

  it('the 416 of an upload says where to continue', async () => {
    const res = await reg.fetch(fixture.upload, {
      method: 'PATCH',
      body: 'zz',
      headers: { 'Content-Range': '9-10' },
    });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('range'), '0-2');
    assert.equal(res.headers.get('location'), fixture.upload);
  });
});
