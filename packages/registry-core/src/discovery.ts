/**
 * Content discovery: tags of a repository, the catalog, and referrers of a manifest. Each is one prefix
 * range over the Store (keys.ts), paginated by the Store's `after`/`limit`, in bytewise ("ASCIIbetical")
 * order; nothing here reads blob storage.
 */
import type { Store } from '@stevedore/store';
import { registryError } from './errors.js';
import { parseDigest } from './digest.js';
import { checkName } from './names.js';
import { type DescriptorRecord, type TagRecord, keys, suffixOf } from './keys.js';
import type { TagDetail } from './manifests.js';
import { repositoryExists } from './meta.js';
import { type TagListCache, slicePage } from './tag-cache.js';

export interface Page {
  /** Page size; absent means everything. 0 gives an empty page (the spec says so, with no Link). */
  readonly n?: number;
  /** Start after this value (exclusive). */
  readonly last?: string;
}

export interface PageResult<T = string> {
  readonly items: readonly T[];
  /** True when more follow the last item (the HTTP layer then sends a Link header). */
  readonly more: boolean;
}

async function page(store: Store, prefix: string, { n, last }: Page): Promise<PageResult> {
  if (n === 0) return { items: [], more: false };
  const result = await store.range(prefix, {
    ...(last !== undefined && last !== '' ? { after: prefix + last } : {}),
    ...(n !== undefined ? { limit: n } : {}),
  });
  return { items: result.kvs.map((kv) => suffixOf(kv.key, prefix)), more: result.more };
}

async function rangeKeys(store: Store, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const result = await store.range(prefix, { limit: 10_000, ...(after !== undefined ? { after } : {}) });
    for (const kv of result.kvs) out.push(suffixOf(kv.key, prefix));
    const lastKv = result.kvs[result.kvs.length - 1];
    if (!result.more || lastKv === undefined) return out;
    after = lastKv.key;
  }
}

export class DiscoveryService {
  constructor(
    private readonly store: Store,
    private readonly tagCache: TagListCache,
  ) {}

  /** Tags in lexical order; NAME_UNKNOWN when the repository does not exist. */
  async tags(name: string, options: Page = {}): Promise<PageResult> {
    checkName(name);
    const all = await this.tagCache.get(name, () => rangeKeys(this.store, keys.tagsPrefix(name)));
    const result = options.n === 0 ? { items: [], more: false } : slicePage(all, options.n, options.last);
    if (all.length === 0 && !(await repositoryExists(this.store, name))) {
      throw registryError('NAME_UNKNOWN', `repository ${name} does not exist`, { detail: { name } });
    }
    return result;
  }

  /**
   * Repository names; with `include`, only those it accepts, `n` of them per page (the Store is read past
   * the ones left out, so a page is full whenever enough names remain).
   */
  async catalog(options: Page = {}, include?: (name: string) => boolean): Promise<PageResult> {
    if (include === undefined) return page(this.store, keys.repositoriesPrefix, options);
    if (options.n === 0) return { items: [], more: false };
    const prefix = keys.repositoriesPrefix;
    const items: string[] = [];
    let after = options.last !== undefined && options.last !== '' ? prefix + options.last : undefined;
    for (;;) {
      const result = await this.store.range(prefix, {
        limit: 1000,
        ...(after !== undefined ? { after } : {}),
      });
      for (const kv of result.kvs) {
        const name = suffixOf(kv.key, prefix);
        if (!include(name)) continue;
        if (options.n !== undefined && items.length === options.n) return { items, more: true };
        items.push(name);
      }
      const lastKv = result.kvs[result.kvs.length - 1];
      if (!result.more || lastKv === undefined) return { items, more: false };
      after = lastKv.key;
    }
  }

  /**
   * Tags with what they point at and who pushed them when (records written before that was recorded have
   * no pushedAt/pushedBy), in lexical order; NAME_UNKNOWN when the repository does not exist.
   */
  async tagDetails(name: string, options: Page = {}): Promise<PageResult<TagDetail>> {
    checkName(name);
    const prefix = keys.tagsPrefix(name);
    if (options.n === 0) return { items: [], more: false };
    const result = await this.store.range(prefix, {
      ...(options.last !== undefined && options.last !== '' ? { after: prefix + options.last } : {}),
      ...(options.n !== undefined ? { limit: options.n } : {}),
    });
    if (
      result.kvs.length === 0 &&
      options.last === undefined &&
      !(await repositoryExists(this.store, name))
    ) {
      throw registryError('NAME_UNKNOWN', `repository ${name} does not exist`, { detail: { name } });
    }
    const items = result.kvs.map((kv): TagDetail => {
      const { digest, mediaType, size, pushedAt, pushedBy, platform } = JSON.parse(kv.value) as TagRecord;
      return {
        tag: suffixOf(kv.key, prefix),
        digest,
        mediaType,
        size,
        ...(pushedAt !== undefined ? { pushedAt } : {}),
        ...(pushedBy !== undefined ? { pushedBy } : {}),
        ...(platform !== undefined ? { platform } : {}),
      };
    });
    return { items, more: result.more };
  }

  /**
   * Descriptors of the manifests in `name` whose subject is `digest`, optionally only those of one
   * artifactType. Never NAME_UNKNOWN: the spec forbids a 404 from a registry that supports the API.
   */
  async referrers(name: string, digest: string, artifactType?: string): Promise<DescriptorRecord[]> {
    checkName(name);
    const { value } = parseDigest(digest);
    const { kvs } = await this.store.range(keys.referrersPrefix(name, value));
    const all = kvs.map((kv) => JSON.parse(kv.value) as DescriptorRecord);
    return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
  }
}
