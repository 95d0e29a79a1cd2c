/**
 * The consistency check (`stevedore registry fsck`): compares the metadata in the Store with the bytes in
 * blob storage and reports every problem found, without repairing anything.
 *
 * Checks: every blob in storage hashes to its digest; every manifest's bytes exist and every blob and
 * child manifest it references is present; every tag points at a recorded manifest; every layer link
 * points at a blob storage holds.
 */
import type { BlobDriver } from '@stevedore/blobstore';
import type { Store } from '@stevedore/store';
import { digestStream, isDigestAlgorithm } from './digest.js';
import { type ManifestRecord, type TagRecord, keys, suffixOf } from './keys.js';

export type FsckProblemKind =
  | 'blob-corrupt'
  | 'blob-missing'
  | 'manifest-missing'
  | 'manifest-reference-missing'
  | 'tag-dangling'
  | 'layer-dangling';

export interface FsckProblem {
  readonly kind: FsckProblemKind;
  readonly repository?: string;
  readonly digest?: string;
  readonly tag?: string;
  readonly message: string;
}

export interface FsckReport {
  readonly ok: boolean;
  readonly checked: {
    readonly blobs: number;
    readonly repositories: number;
    readonly manifests: number;
    readonly tags: number;
  };
  readonly problems: readonly FsckProblem[];
}

async function rangeAll(store: Store, prefix: string): Promise<{ key: string; value: string }[]> {
  const out: { key: string; value: string }[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.range(prefix, { limit: 1000, ...(after !== undefined ? { after } : {}) });
    out.push(...page.kvs);
    if (!page.more || page.kvs.length === 0) return out;
    after = page.kvs[page.kvs.length - 1]!.key;
  }
}

export async function fsck(store: Store, driver: BlobDriver): Promise<FsckReport> {
  const problems: FsckProblem[] = [];
  const stored = new Set<string>();
  for await (const digest of driver.list()) {
    stored.add(digest);
    const algorithm = digest.slice(0, digest.indexOf(':'));
    if (!isDigestAlgorithm(algorithm)) continue;
    const actual = await digestStream(await driver.read(digest), algorithm);
    if (actual !== digest)
      problems.push({ kind: 'blob-corrupt', digest, message: `blob ${digest} hashes to ${actual}` });
  }

  const repositories = (await rangeAll(store, keys.repositoriesPrefix)).map((kv) =>
    suffixOf(kv.key, keys.repositoriesPrefix),
  );
  let manifestCount = 0;
  let tagCount = 0;
  for (const repository of repositories) {
    const manifests = await rangeAll(store, keys.manifestsPrefix(repository));
    const recorded = new Set<string>();
    for (const kv of manifests) {
      manifestCount++;
      const digest = suffixOf(kv.key, keys.manifestsPrefix(repository));
      recorded.add(digest);
      const record = JSON.parse(kv.value) as ManifestRecord;
      if (!stored.has(digest)) {
        problems.push({
          kind: 'manifest-missing',
          repository,
          digest,
          message: `manifest ${digest} of ${repository} is missing from storage`,
        });
      }
      for (const blob of record.blobs) {
        if (!stored.has(blob)) {
          problems.push({
            kind: 'blob-missing',
            repository,
            digest: blob,
            message: `blob ${blob} of manifest ${digest} in ${repository} is missing from storage`,
          });
        }
      }
      for (const child of record.manifests) {
        if ((await store.get(keys.manifest(repository, child))) === undefined) {
          problems.push({
            kind: 'manifest-reference-missing',
            repository,
            digest: child,
            message: `index ${digest} in ${repository} names manifest ${child}, which is not recorded`,
          });
        }
      }
    }
    for (const kv of await rangeAll(store, keys.tagsPrefix(repository))) {
      tagCount++;
      const tag = suffixOf(kv.key, keys.tagsPrefix(repository));
      const { digest } = JSON.parse(kv.value) as TagRecord;
      if (!recorded.has(digest)) {
        problems.push({
          kind: 'tag-dangling',
          repository,
          tag,
          digest,
          message: `tag ${repository}:${tag} points at ${digest}, which is not recorded`,
        });
      }
    }
    for (const kv of await rangeAll(store, keys.layersPrefix(repository))) {
      const digest = suffixOf(kv.key, keys.layersPrefix(repository));
      if (!stored.has(digest)) {
        problems.push({
          kind: 'layer-dangling',
          repository,
          digest,
          message: `blob ${digest} linked in ${repository} is missing from storage`,
        });
      }
    }
  }
  // A blob missing from storage can show up through several manifests and links; report it once per place.
  return {
    ok: problems.length === 0,
    checked: {
      blobs: stored.size,
      repositories: repositories.length,
      manifests: manifestCount,
      tags: tagCount,
    },
    problems,
  };
}
