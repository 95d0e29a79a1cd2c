/**
 * Manifests: PUT (validate, check references, store the exact bytes, record metadata and tags in one Store
 * transaction), GET/HEAD by tag or digest, DELETE of a tag or of a manifest (with the tags that name it).
 *
 * Invariants:
 * - A manifest is recorded only when every blob and child manifest it names is linked in the repository
 *   at commit time: the transaction compares each reference's modRevision with what validation read, so
 *   a concurrent DELETE makes it retry (and then fail with MANIFEST_BLOB_UNKNOWN) instead of racing.
 * - The bytes served are exactly the bytes pushed; they live in blob storage under their digest.
 * - Nothing is written when a PUT is refused.
 * - Non-distributable ("foreign") layers need not be in the repository; when they are, they are checked
 *   and recorded like any other blob.
 * - GET/HEAD of a reference that is neither a tag nor a digest is "manifest unknown" (404), as the
 *   conformance tests expect; PUT and DELETE refuse it as invalid (400).
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobDriver } from '@stevedore/blobstore';
import type { Compare, Op, Store } from '@stevedore/store';
import { isRegistryError, registryError } from './errors.js';
import { digestOf } from './digest.js';
import { checkName, checkTag, parseReference } from './names.js';
import { parseManifest, type ParsedManifest } from './manifest.js';
import { type ManifestRecord, type Platform, type TagRecord, keys } from './keys.js';
import { isNonDistributable } from './media-types.js';
import { platformOf } from './platform.js';
import { ensureRepositoryOps, getJson, repositoryExists } from './meta.js';
import { ManifestCache } from './manifest-cache.js';
import { manifestPutOps } from './manifest-records.js';

export interface PutManifestInput {
  readonly name: string;
  readonly reference: string;
  readonly body: Buffer;
  readonly contentType: string | undefined;
  /** Extra tags (`?tag=` on a push by digest). */
  readonly tags?: readonly string[];
  /** Who pushes (the token subject), recorded on the tags; absent without authentication. */
  readonly pushedBy?: string;
}

export interface PutManifestResult {
  readonly digest: string;
  readonly subject?: string;
  readonly tags: readonly string[];
}

export interface ManifestHead {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

/** A tag as the platform's API lists it. */
export interface TagDetail {
  readonly tag: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly pushedAt?: string;
  readonly pushedBy?: string;
  readonly platform?: Platform;
}

const ATTEMPTS = 5;

export class ManifestService {
  private readonly cache = new ManifestCache(32 * 1024 * 1024);

  constructor(
    private readonly store: Store,
    private readonly driver: BlobDriver,
    readonly maxManifestBytes: number,
    /** Called after this service changed tags of a repository (the tag-list cache listens). */
    private readonly tagsChanged: (name: string) => void = () => undefined,
  ) {}

  async put(input: PutManifestInput): Promise<PutManifestResult> {
    const name = checkName(input.name);
    const reference = parseReference(input.reference);
    const tags = [...(reference.kind === 'tag' ? [reference.tag] : []), ...(input.tags ?? []).map(checkTag)];
    if (input.body.length > this.maxManifestBytes) throw this.tooLarge(input.body.length);
    const parsed = parseManifest(input.body, input.contentType);
    const digest = digestOf(input.body, reference.kind === 'digest' ? reference.digest.algorithm : 'sha256');
    if (reference.kind === 'digest' && reference.digest.value !== digest) {
      throw registryError('DIGEST_INVALID', `manifest has digest ${digest}, not ${reference.digest.value}`, {
        detail: { expected: reference.digest.value, actual: digest },
      });
    }
    const platform = await platformOf(this.driver, parsed);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { compares, linkedBlobs } = await this.referenceCompares(name, parsed);
      await this.storeBytes(digest, input.body);
      const facts = {
        linkedBlobs,
        pushedAt: new Date().toISOString(),
        ...(input.pushedBy !== undefined ? { pushedBy: input.pushedBy } : {}),
        ...(platform !== undefined ? { platform } : {}),
      };
      const txn = await this.store.txn({
        compares,
        success: [
          ...(await ensureRepositoryOps(this.store, name)),
          ...manifestPutOps(name, digest, input.body.length, parsed, tags, facts),
        ],
      });
      if (txn.succeeded) {
        if (tags.length > 0) this.tagsChanged(name);
        this.cache.set(digest, input.body);
        return { digest, tags, ...(parsed.subject ? { subject: parsed.subject.digest } : {}) };
      }
    }
    throw registryError(
      'TOOMANYREQUESTS',
      `repository ${name} is changing too fast to record manifest ${digest}; retry`,
    );
  }

  tooLarge(size: number): Error {
    return registryError(
      'MANIFEST_INVALID',
      `manifest is ${size} bytes; this registry accepts at most ${this.maxManifestBytes} (registry.maxManifestBytes)`,
      { status: 413, detail: { size, limit: this.maxManifestBytes } },
    );
  }

  /**
   * Every referenced blob and child manifest must be linked (non-distributable layers may be absent);
   * returns compares that keep what was found so, and the blobs that are linked.
   */
  private async referenceCompares(
    name: string,
    parsed: ParsedManifest,
  ): Promise<{ compares: Compare[]; linkedBlobs: string[] }> {
    const blobKeys = [...new Set(parsed.blobs.map((d) => keys.layer(name, d.digest)))];
    const manifestKeys = [...new Set(parsed.manifests.map((d) => keys.manifest(name, d.digest)))];
    const required = new Set([
      ...parsed.blobs.filter((d) => !isNonDistributable(d.mediaType)).map((d) => keys.layer(name, d.digest)),
      ...manifestKeys,
    ]);
    const wanted = [...blobKeys, ...manifestKeys];
    const found = await Promise.all(wanted.map((key) => this.store.get(key)));
    const digestOfKey = (key: string) => key.slice(key.lastIndexOf('/') + 1);
    const missing = wanted.filter((key, i) => found[i] === undefined && required.has(key)).map(digestOfKey);
    if (missing.length > 0) {
      throw registryError(
        'MANIFEST_BLOB_UNKNOWN',
        `manifest references ${missing.length === 1 ? 'a blob or manifest' : `${missing.length} blobs or manifests`} not in repository ${name}: ${missing.join(', ')}; push ${missing.length === 1 ? 'it' : 'them'} first`,
        { detail: { digests: missing } },
      );
    }
    // An absent foreign layer is compared as absent: a push of it meanwhile makes the transaction retry, so
    // the record lists it.
    const compares = wanted.map((key, i): Compare => ({
      key,
      target: 'modRevision',
      equals: found[i]?.modRevision ?? 0,
    }));
    const linkedBlobs = blobKeys.filter((_, i) => found[i] !== undefined).map(digestOfKey);
    return { compares, linkedBlobs };
  }

  private async storeBytes(digest: string, body: Buffer): Promise<void> {
    if ((await this.driver.stat(digest)) !== undefined) return;
    const id = randomUUID();
    await this.driver.createUpload(id);
    try {
      await this.driver.appendUpload(id, 0, Readable.from([body], { objectMode: false }));
      await this.driver.commitUpload(id, digest, body.length);
    } catch (err) {
      await this.driver.deleteUpload(id).catch(() => undefined);
      throw err;
    }
  }

  /** Digest, media type and size of a manifest by tag or digest (HEAD needs no more). */
  async head(name: string, reference: string): Promise<ManifestHead> {
    checkName(name);
    let ref;
    try {
      ref = parseReference(reference);
    } catch (err) {
      if (!isRegistryError(err)) throw err;
      const shown = reference.length > 80 ? `${reference.slice(0, 80)}…` : reference;
      throw await this.unknown(name, `"${shown}" is neither a tag nor a digest of a manifest in ${name}`);
    }
    if (ref.kind === 'tag') {
      const tag = await getJson<TagRecord>(this.store, keys.tag(name, ref.tag));
      if (tag !== undefined) {
        const { digest, mediaType, size } = tag.value;
        return { digest, mediaType, size };
      }
      throw await this.unknown(name, `tag ${ref.tag} is not in repository ${name}`);
    }
    const record = await getJson<ManifestRecord>(this.store, keys.manifest(name, ref.digest.value));
    if (record !== undefined)
      return { digest: ref.digest.value, mediaType: record.value.mediaType, size: record.value.size };
    throw await this.unknown(name, `manifest ${ref.digest.value} is not in repository ${name}`);
  }

  /** The exact bytes pushed for `digest`. */
  async body(digest: string): Promise<Buffer> {
    const cached = this.cache.get(digest);
    if (cached !== undefined) return cached;
    const parts: Buffer[] = [];
    for await (const chunk of await this.driver.read(digest)) parts.push(chunk as Buffer);
    const body = Buffer.concat(parts);
    this.cache.set(digest, body);
    return body;
  }

  private async unknown(name: string, message: string): Promise<Error> {
    if (!(await repositoryExists(this.store, name))) {
      return registryError('NAME_UNKNOWN', `repository ${name} does not exist`, { detail: { name } });
    }
    return registryError('MANIFEST_UNKNOWN', message);
  }

  /** DELETE by tag removes the tag; by digest, the manifest, every tag naming it, and its referrer entry. */
  async delete(name: string, reference: string): Promise<void> {
    checkName(name);
    const ref = parseReference(reference);
    if (ref.kind === 'tag') {
      const kv = await this.store.get(keys.tag(name, ref.tag));
      const result =
        kv && (await this.store.delete(keys.tag(name, ref.tag), { ifModRevision: kv.modRevision }));
      if (!result?.ok) throw await this.unknown(name, `tag ${ref.tag} is not in repository ${name}`);
      this.tagsChanged(name);
      return;
    }
    const digest = ref.digest.value;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const record = await getJson<ManifestRecord>(this.store, keys.manifest(name, digest));
      if (record === undefined)
        throw await this.unknown(name, `manifest ${digest} is not in repository ${name}`);
      const tagged = (await this.store.range(keys.tagsPrefix(name))).kvs.filter(
        (kv) => (JSON.parse(kv.value) as TagRecord).digest === digest,
      );
      const compares: Compare[] = [
        { key: keys.manifest(name, digest), target: 'modRevision', equals: record.modRevision },
        ...tagged.map((kv): Compare => ({ key: kv.key, target: 'modRevision', equals: kv.modRevision })),
      ];
      const success: Op[] = [
        { type: 'delete', key: keys.manifest(name, digest) },
        ...tagged.map((kv): Op => ({ type: 'delete', key: kv.key })),
        ...(record.value.subject
          ? [{ type: 'delete', key: keys.referrer(name, record.value.subject, digest) } as const]
          : []),
      ];
      if ((await this.store.txn({ compares, success })).succeeded) {
        if (tagged.length > 0) this.tagsChanged(name);
        return;
      }
    }
    throw registryError(
      'TOOMANYREQUESTS',
      `repository ${name} is changing too fast to delete ${digest}; retry`,
    );
  }
}
