/**
 * Where the registry's metadata lives in the Store. Every listing the API serves (catalog, tags,
 * referrers) is one prefix range here, so none of them touches blob storage.
 *
 *   registry/
 *   ├── repositories/<name>                           {createdAt}                    the catalog
 *   ├── blobs/<digest>                                {size}                         blob committed to storage
 *   ├── uploads/<upload id>                           {name, startedAt}              all sessions, for the janitor
 *   ├── janitor/orphan-candidates                     {<upload id>: size}            seen by the last sweep
 *   └── repo/<name>/
 *       ├── _layers/<digest>                          {size}                         this repo may serve the blob
 *       ├── _manifests/<digest>                       ManifestRecord                 incl. its blob/child references
 *       ├── _tags/<tag>                               TagRecord                      tag → manifest
 *       ├── _referrers/<subject digest>/<digest>      referrer descriptor            for the referrers API
 *       └── _uploads/<upload id>                      UploadRecord                   resumable upload session
 *
 * Why this is unambiguous: name components start with [a-z0-9], so `_layers` etc. can never be part of a
 * repository name, and `repo/a/_tags/` can never be a prefix of a key of repository `a/b`. Tags and digests
 * contain no `/`. Keys compare bytewise, which is the "ASCIIbetical" order the spec allows for tags and
 * the catalog, so `range(prefix, { after, limit })` is the pagination.
 */

const ROOT = 'registry/';

export const keys = {
  repositoriesPrefix: `${ROOT}repositories/`,
  repository: (name: string) => `${ROOT}repositories/${name}`,
  blob: (digest: string) => `${ROOT}blobs/${digest}`,
  blobsPrefix: `${ROOT}blobs/`,
  repoPrefix: (name: string) => `${ROOT}repo/${name}/`,
  layer: (name: string, digest: string) => `${ROOT}repo/${name}/_layers/${digest}`,
  layersPrefix: (name: string) => `${ROOT}repo/${name}/_layers/`,
  manifest: (name: string, digest: string) => `${ROOT}repo/${name}/_manifests/${digest}`,
  manifestsPrefix: (name: string) => `${ROOT}repo/${name}/_manifests/`,
  tag: (name: string, tag: string) => `${ROOT}repo/${name}/_tags/${tag}`,
  tagsPrefix: (name: string) => `${ROOT}repo/${name}/_tags/`,
  referrer: (name: string, subject: string, digest: string) =>
    `${ROOT}repo/${name}/_referrers/${subject}/${digest}`,
  referrersPrefix: (name: string, subject: string) => `${ROOT}repo/${name}/_referrers/${subject}/`,
  upload: (name: string, id: string) => `${ROOT}repo/${name}/_uploads/${id}`,
  uploadIndex: (id: string) => `${ROOT}uploads/${id}`,
  orphanCandidates: `${ROOT}janitor/orphan-candidates`,
  uploadIndexPrefix: `${ROOT}uploads/`,
} as const;

/** The last path component of a key (a tag, a digest, a name after the prefix). */
export function suffixOf(key: string, prefix: string): string {
  return key.slice(prefix.length);
}

export interface RepositoryRecord {
  readonly createdAt: string;
}

export interface LayerRecord {
  readonly size: number;
}

export interface TagRecord {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** When the tag was last pushed (ISO 8601); absent on records written before it was recorded. */
  readonly pushedAt?: string;
  /** The token subject that pushed it; absent with auth none and on older records. */
  readonly pushedBy?: string;
  /** The image's platform, from its config blob; absent for indexes and non-image artifacts. */
  readonly platform?: Platform;
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface DescriptorRecord {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ManifestRecord {
  readonly mediaType: string;
  readonly size: number;
  /** Blobs the manifest references (config and layers), deduplicated. */
  readonly blobs: readonly string[];
  /** Child manifests (an index's entries). */
  readonly manifests: readonly string[];
  readonly subject?: string;
  readonly artifactType?: string;
  readonly createdAt: string;
}

export interface UploadRecord {
  /** Bytes accepted so far: the truth after a restart (the data file is cut back to it on append). */
  readonly size: number;
  readonly algorithm: string;
  readonly startedAt: string;
}

export interface UploadIndexRecord {
  readonly name: string;
  readonly startedAt: string;
}

export function parseJson<T>(value: string): T {
  return JSON.parse(value) as T;
}
