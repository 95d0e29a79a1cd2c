/**
 * Blobs as a repository sees them: a blob is served by a repository only when the repository links it
 * (`_layers/<digest>` in the Store), whatever blob storage holds; linking, cross-repository mount, and
 * unlinking (DELETE) work on those links. Bytes stay in storage until garbage collection.
 */
import type { Readable } from 'node:stream';
import type { BlobDriver, ByteRange } from '@stevedore/blobstore';
import { isNotFound } from '@stevedore/errors';
import type { Op, Store } from '@stevedore/store';
import { registryError } from './errors.js';
import { parseDigest } from './digest.js';
import { checkName } from './names.js';
import { type LayerRecord, type ManifestRecord, keys } from './keys.js';
import { ensureRepositoryOps, getJson, putJson } from './meta.js';

export interface BlobInfo {
  readonly digest: string;
  readonly size: number;
}

export class BlobService {
  constructor(
    private readonly store: Store,
    private readonly driver: BlobDriver,
  ) {}

  /**
   * The blob's size when the repository links it; BLOB_UNKNOWN otherwise. A manifest of the repository is
   * served as a blob too (its bytes are a blob in storage), as the reference registry does.
   */
  async stat(name: string, digest: string): Promise<BlobInfo> {
    checkName(name);
    const { value } = parseDigest(digest);
    const link = await getJson<LayerRecord>(this.store, keys.layer(name, value));
    if (link !== undefined) return { digest: value, size: link.value.size };
    const manifest = await getJson<ManifestRecord>(this.store, keys.manifest(name, value));
    if (manifest !== undefined) return { digest: value, size: manifest.value.size };
    throw registryError('BLOB_UNKNOWN', `blob ${value} is not in repository ${name}`, {
      detail: { digest: value },
    });
  }

  /** The blob's bytes (or an inclusive range); BLOB_UNKNOWN when storage has lost them. */
  async read(digest: string, range?: ByteRange): Promise<Readable> {
    try {
      return await this.driver.read(digest, range);
    } catch (err) {
      if (isNotFound(err))
        throw registryError('BLOB_UNKNOWN', `blob ${digest} is missing from storage`, { detail: { digest } });
      throw err;
    }
  }

  /** Records that `name` links the committed blob (and that the repository exists), with `extra` ops. */
  async link(name: string, digest: string, size: number, extra: readonly Op[] = []): Promise<void> {
    const record: LayerRecord = { size };
    await this.store.txn({
      compares: [],
      success: [
        ...(await ensureRepositoryOps(this.store, name)),
        putJson(keys.layer(name, digest), record),
        putJson(keys.blob(digest), record),
        ...extra,
      ],
    });
  }

  /** Cross-repository mount: true (and linked) when `from` links the blob, false to fall back to an upload. */
  async mount(name: string, digest: string, from: string): Promise<BlobInfo | undefined> {
    checkName(name);
    const { value } = parseDigest(digest);
    try {
      checkName(from);
    } catch {
      return undefined;
    }
    const source = await getJson<LayerRecord>(this.store, keys.layer(from, value));
    if (source === undefined) return undefined;
    // Storage must still hold it; a dangling link in the source repository must not spread.
    if ((await this.driver.stat(value)) === undefined) return undefined;
    await this.link(name, value, source.value.size);
    return { digest: value, size: source.value.size };
  }

  /** Unlinks the blob from the repository (DELETE); BLOB_UNKNOWN when it was not linked. */
  async unlink(name: string, digest: string): Promise<void> {
    checkName(name);
    const { value } = parseDigest(digest);
    const link = await this.store.get(keys.layer(name, value));
    const result =
      link && (await this.store.delete(keys.layer(name, value), { ifModRevision: link.modRevision }));
    if (!result?.ok)
      throw registryError('BLOB_UNKNOWN', `blob ${value} is not in repository ${name}`, {
        detail: { digest: value },
      });
  }
}
