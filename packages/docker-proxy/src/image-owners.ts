/**
 * Who made each image tag on the engine, and how: the proxy's seam to wherever that is kept (the
 * controller keeps it in the Store; `createMemoryImageOwners` is for tests and single-process use). Refs
 * are normalized (image-refs.ts): `docker.io/library/busybox:latest`, `localhost:5000/a/b@sha256:…`.
 *
 * A record names the image id the tag held when it was written. It holds only while the tag still names
 * that image: a tag changed or re-made outside Stevedore (on the engine directly) is then unrecorded, so a
 * stale record never hands anyone an image they did not make. Existence on the engine is the truth; the
 * record only says who owns what exists.
 *
 * Every implementation runs the cases of image-owners.case.ts.
 */

export type ImageSource = 'build' | 'tag' | 'commit' | 'load' | 'import' | 'pull';

export const IMAGE_SOURCES: readonly ImageSource[] = ['build', 'tag', 'commit', 'load', 'import', 'pull'];

export interface ImageTagRecord {
  /** The user who made the tag. */
  readonly owner: string;
  readonly source: ImageSource;
  /** When, as an ISO 8601 date. */
  readonly at: string;
  /** The image id (`sha256:…`) the tag named when the record was written. */
  readonly image: string;
}

export interface ImageOwners {
  /** The records of these refs; a ref without one is absent from the map. One read. */
  get(refs: readonly string[]): Promise<ReadonlyMap<string, ImageTagRecord>>;
  /** Every record, by ref: one read, for filtering lists. */
  list(): Promise<ReadonlyMap<string, ImageTagRecord>>;
  /** Writes (or replaces) the record of one ref. */
  record(ref: string, record: ImageTagRecord): Promise<void>;
  /** Removes the records of these refs; refs without one are ignored. */
  forget(refs: readonly string[]): Promise<void>;
}

/** Whether a value read back is a record (the Store holds text; a broken one must not pass as one). */
export function isImageTagRecord(value: unknown): value is ImageTagRecord {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['owner'] === 'string' &&
    typeof v['at'] === 'string' &&
    typeof v['image'] === 'string' &&
    IMAGE_SOURCES.includes(v['source'] as ImageSource)
  );
}

/** The records in memory: for tests, and for a proxy whose records need not outlive the process. */
export function createMemoryImageOwners(): ImageOwners {
  const records = new Map<string, ImageTagRecord>();
  const copy = (r: ImageTagRecord): ImageTagRecord => ({
    owner: r.owner,
    source: r.source,
    at: r.at,
    image: r.image,
  });
  return {
    get: (refs) => {
      const found = new Map<string, ImageTagRecord>();
      for (const ref of refs) {
        const r = records.get(ref);
        if (r) found.set(ref, copy(r));
      }
      return Promise.resolve(found);
    },
    list: () => Promise.resolve(new Map([...records].map(([ref, r]) => [ref, copy(r)]))),
    record: (ref, record) => {
      records.set(ref, copy(record));
      return Promise.resolve();
    },
    forget: (refs) => {
      for (const ref of refs) records.delete(ref);
      return Promise.resolve();
    },
  };
}
