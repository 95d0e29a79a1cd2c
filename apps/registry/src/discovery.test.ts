import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  type TestRegistry,
  buildImage,
  pushImage,
  putManifest,
  sha256,
  startTestRegistry,
} from './testing.js';

describe('registry: tags, catalog and referrers', () => {
  let reg: TestRegistry;
  before(async () => (reg = await startTestRegistry()));
  after(() => reg.close());

  it('lists tags in lexical order and paginates with n, last and a Link header', async () => {
    const body = await buildImage(reg, 'lib/tags');
    for (const tag of ['b', 'a', 'C', 'c', '1.0', 'latest'])
      assert.equal((await putManifest(reg, 'lib/tags', tag, body)).status, 201);
    const all = (await (await reg.fetch('/v2/lib/tags/tags/list')).json()) as {
      name: string;
      tags: string[];
    };
    assert.deepEqual(all, { name: 'lib/tags', tags: ['1.0', 'C', 'a', 'b', 'c', 'latest'] });

    const seen: string[] = [];
    let next: string | null = '/v2/lib/tags/tags/list?n=4';
    while (next !== null) {
      const res = await reg.fetch(next);
      const page = (await res.json()) as { tags: string[] };
      seen.push(...page.tags);
      next = res.headers.get('link')?.match(/^<([^>]+)>; rel="next"$/)?.[1] ?? null;
    }
    assert.deepEqual(seen, all.tags);
    const first = await reg.fetch('/v2/lib/tags/tags/list?n=2');
    assert.equal(first.headers.get('link'), '</v2/lib/tags/tags/list?n=2&last=C>; rel="next"');
    const afterB = (await (await reg.fetch('/v2/lib/tags/tags/list?n=2&last=b')).json()) as {
      tags: string[];
    };
    assert.deepEqual(afterB.tags, ['c', 'latest']);
    const zero = await reg.fetch('/v2/lib/tags/tags/list?n=0');
    assert.deepEqual(((await zero.json()) as { tags: string[] }).tags, []);
    assert.equal(zero.headers.get('link'), null);
    const last = await reg.fetch('/v2/lib/tags/tags/list?n=10&last=c');
    assert.equal(last.headers.get('link'), null, 'no Link on the last page');
  });

  it('lists the catalog with the same pagination', async () => {
    for (const name of ['cat/b', 'cat/a/deep', 'cat/c']) await pushImage(reg, name, 'v1');
    const all = (await (await reg.fetch('/v2/_catalog')).json()) as { repositories: string[] };
    const cats = all.repositories.filter((r) => r.startsWith('cat/'));
    assert.deepEqual(cats, ['cat/a/deep', 'cat/b', 'cat/c']);
    const page = await reg.fetch('/v2/_catalog?n=1&last=cat/a/deep');
    assert.deepEqual(((await page.json()) as { repositories: string[] }).repositories, ['cat/b']);
    assert.equal(page.headers.get('link'), '</v2/_catalog?n=1&last=cat%2Fb>; rel="next"');
  });

  it('records subjects: OCI-Subject on PUT, referrers with and without an artifactType filter', async () => {
    const subject = await pushImage(reg, 'lib/signed', 'v1');
    const size = Buffer.byteLength(await (await reg.fetch(`/v2/lib/signed/manifests/${subject}`)).text());
    const none = await reg.fetch(`/v2/lib/signed/referrers/${subject}`);
    assert.equal(none.status, 200);
    assert.equal(none.headers.get('content-type'), OCI_INDEX);
    assert.deepEqual(await none.json(), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });

    const sbom = await buildImage(reg, 'lib/signed', {
      artifactType: 'application/vnd.example.sbom.v1',
      subject: { digest: subject, size },
      annotations: { 'org.example.format': 'json' },
    });
    const put = await putManifest(reg, 'lib/signed', sha256(sbom), sbom);
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('oci-subject'), subject);
    const sig = await buildImage(reg, 'lib/signed', {
      layers: ['sig'],
      configMediaType: 'application/vnd.example.sig.config',
      subject: { digest: subject, size },
    });
    assert.equal((await putManifest(reg, 'lib/signed', sha256(sig), sig)).status, 201);

    const all = (await (await reg.fetch(`/v2/lib/signed/referrers/${subject}`)).json()) as {
      manifests: Record<string, unknown>[];
    };
    assert.equal(all.manifests.length, 2);
    const sbomEntry = all.manifests.find((m) => m['digest'] === sha256(sbom));
    assert.deepEqual(sbomEntry, {
      mediaType: OCI_MANIFEST,
      size: Buffer.byteLength(sbom),
      digest: sha256(sbom),
      artifactType: 'application/vnd.example.sbom.v1',
      annotations: { 'org.example.format': 'json' },
    });
    const sigEntry = all.manifests.find((m) => m['digest'] === sha256(sig));
    assert.equal(
      sigEntry?.['artifactType'],
      'application/vnd.example.sig.config',
      "falls back to the config's media type",
    );

    const filtered = await reg.fetch(
      `/v2/lib/signed/referrers/${subject}?artifactType=application/vnd.example.sbom.v1`,
    );
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    const onlySbom = (await filtered.json()) as { manifests: { digest: string }[] };
    assert.deepEqual(
      onlySbom.manifests.map((m) => m.digest),
      [sha256(sbom)],
    );

    // Deleting the referrer removes it from the list.
    assert.equal(
      (await reg.fetch(`/v2/lib/signed/manifests/${sha256(sbom)}`, { method: 'DELETE' })).status,
      202,
    );
    const after = (await (await reg.fetch(`/v2/lib/signed/referrers/${subject}`)).json()) as {
      manifests: unknown[];
    };
    assert.equal(after.manifests.length, 1);
  });

  it('accepts a referrer before its subject exists, and answers 200 for unknown subjects', async () => {
    const missing = sha256('not pushed yet');
    const body = await buildImage(reg, 'lib/early', {
      artifactType: 'application/vnd.example',
      subject: { digest: missing, size: 10 },
    });
    assert.equal((await putManifest(reg, 'lib/early', sha256(body), body)).status, 201);
    const list = (await (await reg.fetch(`/v2/lib/early/referrers/${missing}`)).json()) as {
      manifests: unknown[];
    };
    assert.equal(list.manifests.length, 1);
    assert.equal((await reg.fetch(`/v2/nowhere/referrers/${missing}`)).status, 200);
  });
});
