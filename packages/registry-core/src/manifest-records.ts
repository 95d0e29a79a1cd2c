/**
 * The Store records a pushed manifest becomes (layout in keys.ts): its manifest record with the blobs and
 * child manifests it references, one tag record per tag, and a referrer descriptor under its subject, with
 * the artifactType the referrers API reports. Pure: the caller commits the ops in one transaction.
 * The record's `blobs` are those linked in the repository: a non-distributable layer that was not pushed
 * is left out (fsck would otherwise report it missing).
 */
import type { Op } from '@stevedore/store';
import type { ParsedManifest } from './manifest.js';
import { type DescriptorRecord, type ManifestRecord, type Platform, type TagRecord, keys } from './keys.js';
import { putJson } from './meta.js';

export interface PushFacts {
  /** Digests of the referenced blobs that are linked in the repository. */
  readonly linkedBlobs: readonly string[];
  readonly pushedAt: string;
  readonly pushedBy?: string;
  readonly platform?: Platform;
}

export function manifestPutOps(
  name: string,
  digest: string,
  size: number,
  parsed: ParsedManifest,
  tags: readonly string[],
  facts: PushFacts,
): Op[] {
  const record: ManifestRecord = {
    mediaType: parsed.mediaType,
    size,
    blobs: [...new Set(facts.linkedBlobs)],
    manifests: [...new Set(parsed.manifests.map((d) => d.digest))],
    ...(parsed.subject ? { subject: parsed.subject.digest } : {}),
    ...(parsed.artifactType !== undefined ? { artifactType: parsed.artifactType } : {}),
    createdAt: facts.pushedAt,
  };
  const tag: TagRecord = {
    digest,
    mediaType: parsed.mediaType,
    size,
    pushedAt: facts.pushedAt,
    ...(facts.pushedBy !== undefined ? { pushedBy: facts.pushedBy } : {}),
    ...(facts.platform !== undefined ? { platform: facts.platform } : {}),
  };
  const ops: Op[] = [
    putJson(keys.manifest(name, digest), record),
    ...tags.map((t) => putJson(keys.tag(name, t), tag)),
  ];
  if (parsed.subject) {
    const referrer: DescriptorRecord = {
      mediaType: parsed.mediaType,
      size,
      digest,
      ...(parsed.artifactType !== undefined ? { artifactType: parsed.artifactType } : {}),
      ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
    };
    ops.push(putJson(keys.referrer(name, parsed.subject.digest, digest), referrer));
  }
  return ops;
}
