/**
 * Upload sessions: POST starts one, PATCH appends in order, PUT closes it under a verified digest, DELETE
 * cancels it; a single POST with `?digest=` is a monolithic upload without a session.
 *
 * Invariants:
 * - The session record in the Store (`_uploads/<id>`: accepted size) is the truth; the data file is cut
 *   back to it on the next append, so a restart or an aborted request never leaves extra bytes in a blob.
 * - A blob becomes visible only after its digest is verified (hashed while streaming, or re-hashed from
 *   the data file when this process did not see every byte, e.g. after a restart).
 * - PATCHes of one session are serialized in this process (KeyedMutex) and compared on modRevision in
 *   the Store, so two replicas cannot both accept the same range.
 * - A failed close (digest mismatch) cancels the session: nothing of it remains.
 */
import { randomUUID } from 'node:crypto';
import type { BlobDriver } from '@stevedore/blobstore';
import { isNotFound } from '@stevedore/errors';
import type { Store } from '@stevedore/store';
import { registryError } from './errors.js';
import { type DigestAlgorithm, Digester, digestStream, parseDigest, parseDigestAlgorithm } from './digest.js';
import { checkName } from './names.js';
import { type UploadIndexRecord, type UploadRecord, keys } from './keys.js';
import { KeyedMutex, type Versioned, getJson, putJson } from './meta.js';
import type { BlobInfo, BlobService } from './blobs.js';
import { type ChunkBounds, exactly, uploadRange } from './chunks.js';
import { monolithicUpload } from './monolithic.js';

export { type ChunkBounds, uploadRange };

export interface UploadStatus {
  readonly id: string;
  readonly size: number;
}

export class UploadService {
  private readonly mutex = new KeyedMutex();
  /** Running hashes of sessions this process has seen every byte of, valid while `size` matches. */
  private readonly hashes = new Map<string, { digester: Digester; size: number }>();

  constructor(
    private readonly store: Store,
    private readonly driver: BlobDriver,
    private readonly blobs: BlobService,
  ) {}

  async start(name: string, algorithm = 'sha256'): Promise<UploadStatus> {
    checkName(name);
    const alg = parseDigestAlgorithm(algorithm);
    const id = randomUUID();
    await this.driver.createUpload(id);
    const startedAt = new Date().toISOString();
    const record: UploadRecord = { size: 0, algorithm: alg, startedAt };
    const index: UploadIndexRecord = { name, startedAt };
    await this.store.txn({
      compares: [],
      success: [putJson(keys.upload(name, id), record), putJson(keys.uploadIndex(id), index)],
    });
    this.hashes.set(id, { digester: Digester.create(alg), size: 0 });
    return { id, size: 0 };
  }

  private async record(name: string, id: string): Promise<Versioned<UploadRecord>> {
    checkName(name);
    // Ids are ours (UUIDs); anything else cannot name a session, and must not reach a Store key.
    const found = /^[0-9a-f-]{36}$/.test(id)
      ? await getJson<UploadRecord>(this.store, keys.upload(name, id))
      : undefined;
    if (found === undefined) {
      throw registryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} is not in progress in repository ${name}`, {
        detail: { uploadId: id },
      });
    }
    return found;
  }

  async status(name: string, id: string): Promise<UploadStatus> {
    return { id, size: (await this.record(name, id)).value.size };
  }

  /** PATCH: appends a chunk at the accepted size; 416 (RANGE_INVALID) when it does not start there. */
  append(
    name: string,
    id: string,
    source: AsyncIterable<Buffer>,
    bounds: ChunkBounds = {},
  ): Promise<UploadStatus> {
    return this.mutex.run(id, async () => ({ id, size: await this.appendLocked(name, id, source, bounds) }));
  }

  private async appendLocked(
    name: string,
    id: string,
    source: AsyncIterable<Buffer>,
    bounds: ChunkBounds,
  ): Promise<number> {
    const current = await this.record(name, id);
    const { size } = current.value;
    if (bounds.start !== undefined && bounds.start !== size) {
      throw registryError(
        'RANGE_INVALID',
        `chunk starts at ${bounds.start} but the upload has ${size} bytes; continue at ${size}`,
        {
          headers: { Range: uploadRange(size), 'Docker-Upload-UUID': id },
          detail: { uploadId: id, size },
        },
      );
    }
    const declared =
      bounds.start !== undefined && bounds.end !== undefined ? bounds.end - bounds.start + 1 : bounds.length;
    if (bounds.length !== undefined && declared !== bounds.length) {
      throw registryError(
        'SIZE_INVALID',
        `Content-Range covers ${declared} bytes but Content-Length is ${bounds.length}`,
      );
    }
    const cached = this.hashes.get(id);
    const hashing = cached && cached.size === size ? cached.digester.copy() : undefined;
    this.hashes.delete(id);
    const newSize = await this.driver
      .appendUpload(id, size, exactly(source, declared), {
        onChunk: hashing ? (chunk) => hashing.update(chunk) : undefined,
      })
      .catch((err: unknown) => {
        // The record outlived its data (a crash between commit and cleanup): the session is gone.
        if (isNotFound(err))
          throw registryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} has no data; start a new upload`);
        throw err;
      });
    const next: UploadRecord = { ...current.value, size: newSize };
    const txn = await this.store.txn({
      compares: [{ key: keys.upload(name, id), target: 'modRevision', equals: current.modRevision }],
      success: [putJson(keys.upload(name, id), next)],
    });
    if (!txn.succeeded) {
      throw registryError(
        'BLOB_UPLOAD_INVALID',
        `upload ${id} was changed or cancelled by another request; check its status`,
      );
    }
    if (hashing) this.hashes.set(id, { digester: hashing, size: newSize });
    return newSize;
  }

  /** PUT: appends the optional last chunk, verifies the whole digest, and commits the blob. */
  complete(
    name: string,
    id: string,
    digest: string,
    source: AsyncIterable<Buffer> | undefined,
    bounds: ChunkBounds = {},
  ): Promise<BlobInfo> {
    const expected = parseDigest(digest);
    return this.mutex.run(id, async () => {
      const size = source
        ? await this.appendLocked(name, id, source, bounds)
        : (await this.record(name, id)).value.size;
      const actual = await this.digestOf(id, size, expected.algorithm);
      if (actual !== expected.value) {
        await this.cancelLocked(name, id);
        throw registryError(
          'DIGEST_INVALID',
          `uploaded content has digest ${actual}, not ${expected.value}; the upload was cancelled`,
          {
            detail: { expected: expected.value, actual },
          },
        );
      }
      await this.driver.commitUpload(id, expected.value, size);
      await this.blobs.link(name, expected.value, size, [
        { type: 'delete', key: keys.upload(name, id) },
        { type: 'delete', key: keys.uploadIndex(id) },
      ]);
      return { digest: expected.value, size };
    });
  }

  private async digestOf(id: string, size: number, algorithm: DigestAlgorithm): Promise<string> {
    const cached = this.hashes.get(id);
    this.hashes.delete(id);
    if (cached && cached.size === size && cached.digester.algorithm === algorithm)
      return cached.digester.digest();
    const data = await this.driver.readUpload(id, size).catch((err: unknown) => {
      if (isNotFound(err))
        throw registryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} has no data; start a new upload`);
      throw err;
    });
    return digestStream(data, algorithm);
  }

  async cancel(name: string, id: string): Promise<void> {
    await this.record(name, id);
    await this.mutex.run(id, () => this.cancelLocked(name, id));
  }

  private async cancelLocked(name: string, id: string): Promise<void> {
    this.hashes.delete(id);
    await this.store.txn({
      compares: [],
      success: [
        { type: 'delete', key: keys.upload(name, id) },
        { type: 'delete', key: keys.uploadIndex(id) },
      ],
    });
    await this.driver.deleteUpload(id);
  }

  /** A single POST with `?digest=`: stream, verify, commit, link; nothing remains when it fails. */
  monolithic(
    name: string,
    digest: string,
    source: AsyncIterable<Buffer>,
    length?: number,
  ): Promise<BlobInfo> {
    return monolithicUpload(this.driver, this.blobs, name, digest, source, length);
  }
}
