/**
 * The seam between repository records and the registry's content: tags (and whole-repository
 * removal) live in registry-core's Store keys (`registry/repo/<name>/_tags/<tag>`). `storeRepositoryContent`
 * reads and deletes tags there directly: a tag is one key, and every registry replica's tag-list cache
 * follows those keys (registry-core's tag-cache.ts), so a deletion here is seen there at once.
 */
import { NotFoundError } from '@stevedore/errors';
import {
  isValidTag,
  keys as registryKeys,
  removeRepositoryContent,
  type TagRecord,
} from '@stevedore/registry-core';
import type { Store } from '@stevedore/store';

export interface TagInfo {
  readonly tag: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** Set by registries that record them (ISO 8601 / the pusher's login); absent on older tags. */
  readonly pushedAt?: string;
  readonly pushedBy?: string;
  readonly platform?: string;
}

export interface RepositoryContent {
  listTags(path: string): Promise<readonly TagInfo[]>;
  deleteTag(path: string, tag: string): Promise<void>;
  /** Everything the registry holds for the repository (tags first); its blobs wait for garbage collection. */
  removeRepository(path: string): Promise<void>;
}

type StoredTag = TagRecord & { pushedAt?: unknown; pushedBy?: unknown; platform?: unknown };

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** `linux/arm64/v8`, from the `{ os, architecture, variant }` a registry records with the tag. */
function platformOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const { os, architecture, variant } = value as Record<string, unknown>;
  if (typeof os !== 'string' || typeof architecture !== 'string') return undefined;
  return [os, architecture, ...(typeof variant === 'string' ? [variant] : [])].join('/');
}

export function storeRepositoryContent(store: Store): RepositoryContent {
  return {
    async listTags(path) {
      const prefix = registryKeys.tagsPrefix(path);
      const { kvs } = await store.range(prefix);
      return kvs.map((kv) => {
        const t = JSON.parse(kv.value) as StoredTag;
        const optional = {
          pushedAt: text(t.pushedAt),
          pushedBy: text(t.pushedBy),
          platform: platformOf(t.platform),
        };
        return {
          tag: kv.key.slice(prefix.length),
          digest: t.digest,
          mediaType: t.mediaType,
          size: t.size,
          ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
        };
      });
    },
    async deleteTag(path, tag) {
      if (!isValidTag(tag))
        throw new NotFoundError(`tag ${JSON.stringify(tag)} is not in repository ${path}`);
      const key = registryKeys.tag(path, tag);
      const kv = await store.get(key);
      const result = kv && (await store.delete(key, { ifModRevision: kv.modRevision }));
      if (!result?.ok) throw new NotFoundError(`tag ${tag} is not in repository ${path}`);
    },
    async removeRepository(path) {
      await removeRepositoryContent(store, path);
    },
  };
}
