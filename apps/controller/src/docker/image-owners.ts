/**
 * Image tag ownership (the Docker API proxy's ImageOwners seam) kept in the Store, so every controller
 * sees the same owners and they outlive restarts.
 *
 * ```
 * /docker/image-tags/<encodeURIComponent(ref)>   { owner, source, at, image }: who made the tag `ref`
 *                                                (normalized: docker.io/library/busybox:latest), how, when,
 *                                                and the image id it named then
 * ```
 *
 * Reads are one Store call: `get` is one transaction of gets (split into transactions of at most 100
 * operations, under etcd's default limit of 128), `list` one range read. A value that is not a record is
 * an error, never read as "no record" (which would make a private tag shared).
 */
import type { ImageOwners, ImageTagRecord } from '@stevedore/docker-proxy';
import { isImageTagRecord } from '@stevedore/docker-proxy';
import { InternalError } from '@stevedore/errors';
import type { Store } from '@stevedore/store';

export const IMAGE_TAGS_PREFIX = '/docker/image-tags/';
const MAX_OPS = 100;

export const imageTagKey = (ref: string): string => `${IMAGE_TAGS_PREFIX}${encodeURIComponent(ref)}`;

function parse(key: string, value: string): ImageTagRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!isImageTagRecord(parsed))
    throw new InternalError(`the Store holds a broken image tag record at ${key}`);
  const { owner, source, at, image } = parsed;
  return { owner, source, at, image };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_OPS) out.push(items.slice(i, i + MAX_OPS));
  return out;
}

export function createStoreImageOwners(store: Store): ImageOwners {
  return {
    async get(refs) {
      const found = new Map<string, ImageTagRecord>();
      for (const part of chunks([...new Set(refs)])) {
        const { results } = await store.txn({
          compares: [],
          success: part.map((ref) => ({ type: 'get' as const, key: imageTagKey(ref) })),
        });
        part.forEach((ref, i) => {
          const kv = results[i];
          if (kv) found.set(ref, parse(kv.key, kv.value));
        });
      }
      return found;
    },
    async list() {
      const found = new Map<string, ImageTagRecord>();
      let after: string | undefined;
      for (;;) {
        const page = await store.range(IMAGE_TAGS_PREFIX, after === undefined ? {} : { after });
        for (const kv of page.kvs)
          found.set(decodeURIComponent(kv.key.slice(IMAGE_TAGS_PREFIX.length)), parse(kv.key, kv.value));
        if (!page.more || page.kvs.length === 0) return found;
        after = page.kvs[page.kvs.length - 1]!.key;
      }
    },
    async record(ref, record) {
      const { owner, source, at, image } = record;
      await store.put(imageTagKey(ref), JSON.stringify({ owner, source, at, image }));
    },
    async forget(refs) {
      for (const part of chunks([...new Set(refs)]))
        await store.txn({
          compares: [],
          success: part.map((ref) => ({ type: 'delete' as const, key: imageTagKey(ref) })),
        });
    },
  };
}
