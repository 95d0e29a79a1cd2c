/**
 * skopeo (Debian) copies images between the reference registry (Debian's `docker-registry`) and ours, both
 * ways; the manifest digests must be identical at every hop, for a single image and for a two-platform
 * index copied with `--all`. The images start as OCI layouts written by ./oci-layout.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSkopeo, startReferenceRegistry } from '@stevedore/testkit';
import type { ReferenceRegistry, Skopeo } from '@stevedore/testkit';
import { OCI_INDEX, OCI_MANIFEST, OciLayout, sha256 } from './oci-layout.js';
import type { Descriptor } from './oci-layout.js';
import { startRegistryProcess } from './registry-process.js';
import type { RegistryProcess } from './registry-process.js';

describe('skopeo copies between the reference registry and ours', () => {
  let work: string;
  let reference: ReferenceRegistry | undefined;
  let ours: RegistryProcess | undefined;
  let skopeo: Skopeo | undefined;
  let layout: OciLayout;
  let amd64: Descriptor;
  let arm64: Descriptor;
  let index: Descriptor;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'stevedore-registry-skopeo-'));
    // allSettled: whatever did start is assigned, so after() stops it even when something else failed.
    const results = await Promise.allSettled([
      startReferenceRegistry().then((r) => (reference = r)),
      startRegistryProcess(join(work, 'data')).then((r) => (ours = r)),
      createSkopeo().then((s) => (skopeo = s)),
    ]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    layout = await OciLayout.create(join(work, 'layout'));
    amd64 = await layout.image('amd64', 'built for amd64\n');
    arm64 = await layout.image('arm64', 'built for arm64\n');
    index = await layout.index([amd64, arm64]);
    await layout.tag([
      ['single', amd64],
      ['multi', index],
    ]);
  });

  after(async () => {
    await Promise.all([reference?.stop(), ours?.stop(), skopeo?.close()]);
    await rm(work, { recursive: true, force: true });
  });

  /** The digest of the manifest bytes as served, and the registry's own Docker-Content-Digest for them. */
  async function servedDigest(registryUrl: string, host: string, repo: string, tagOrDigest: string) {
    const separator = tagOrDigest.startsWith('sha256:') ? '@' : ':';
    const raw = await skopeo!.inspectRaw(`docker://${host}/${repo}${separator}${tagOrDigest}`);
    const head = await fetch(`${registryUrl}/v2/${repo}/manifests/${tagOrDigest}`, {
      method: 'HEAD',
      headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` },
    });
    assert.equal(head.status, 200, `HEAD ${host}/${repo}${separator}${tagOrDigest}`);
    return { bytes: sha256(raw), header: head.headers.get('docker-content-digest') };
  }

  it('keeps a single-platform image digest-identical: layout → reference → ours → reference', async () => {
    const hops = [
      { from: `oci:${layout.dir}:single`, to: reference!, repo: 'interop/single' },
      { from: `docker://${reference!.host}/interop/single:v1`, to: ours!, repo: 'interop/single' },
      { from: `docker://${ours!.host}/interop/single:v1`, to: reference!, repo: 'interop/back' },
    ];
    for (const hop of hops) {
      await skopeo!.copy(hop.from, `docker://${hop.to.host}/${hop.repo}:v1`);
      const served = await servedDigest(hop.to.url, hop.to.host, hop.repo, 'v1');
      assert.deepEqual(served, { bytes: amd64.digest, header: amd64.digest }, `after copying ${hop.from}`);
    }
  });

  it('copies a two-platform index with --all, every manifest digest-identical, both ways', async () => {
    const hops = [
      { from: `oci:${layout.dir}:multi`, to: reference!, repo: 'interop/multi' },
      { from: `docker://${reference!.host}/interop/multi:v1`, to: ours!, repo: 'interop/multi' },
      { from: `docker://${ours!.host}/interop/multi:v1`, to: reference!, repo: 'interop/multi-back' },
    ];
    for (const hop of hops) {
      await skopeo!.copy(hop.from, `docker://${hop.to.host}/${hop.repo}:v1`, ['--all']);
      const served = await servedDigest(hop.to.url, hop.to.host, hop.repo, 'v1');
      assert.deepEqual(
        served,
        { bytes: index.digest, header: index.digest },
        `index after copying ${hop.from}`,
      );
      for (const child of [amd64, arm64]) {
        const got = await servedDigest(hop.to.url, hop.to.host, hop.repo, child.digest);
        assert.deepEqual(
          got,
          { bytes: child.digest, header: child.digest },
          `${child.platform?.architecture} manifest`,
        );
      }
    }
    // A client asking for one platform resolves our index to that platform's manifest and config.
    const arm = JSON.parse(
      (
        await skopeo!.run([
          '--override-arch',
          'arm64',
          'inspect',
          '--tls-verify=false',
          `docker://${ours!.host}/interop/multi:v1`,
        ])
      ).stdout.toString('utf8'),
    ) as { Architecture: string };
    assert.equal(arm.Architecture, 'arm64');
  });
});
