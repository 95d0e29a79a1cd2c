/**
 * The blob storage driver contract (distribution's StorageDriver idea, cut down to what a registry needs).
 *
 * A driver stores two kinds of things:
 * - committed blobs, addressed by digest (`sha256:<hex>`), immutable once visible;
 * - upload data files, addressed by an upload id, that grow by appends and are committed under a digest.
 *
 * Invariants every driver keeps (checked by `conformance.ts`, run against each of them):
 * - A blob is never partially visible: `commitUpload` makes the whole of the upload's bytes visible under
 *   the digest at once (filesystem: fsync, then rename), or nothing at all.
 * - Drivers do not hash. The caller verifies the digest of the bytes before calling `commitUpload`; the
 *   driver only checks that the data file has the size the caller verified.
 * - `appendUpload(id, offset, …)` first discards any bytes past `offset` (left by a crash or an aborted
 *   request), so the caller's record of the accepted size, kept in the Store, is the truth after a restart.
 * - Data flows as streams; no method buffers a whole blob.
 * - Committing a digest that already exists is not an error (uploads of identical content converge).
 */
import type { Readable } from 'node:stream';

/** An inclusive byte range, as HTTP's `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface BlobStat {
  readonly size: number;
}

export interface AppendOptions {
  /** Refuse (and discard the appended bytes) when the data file would grow past this size. */
  readonly maxSize?: number;
  /** Called with each chunk as it is written, in order (to hash while streaming). */
  readonly onChunk?: (chunk: Buffer) => void;
}

export interface BlobDriver {
  /** For logs: 'filesystem' | 'memory' | … */
  readonly kind: string;

  /** Size of a committed blob, or undefined when it does not exist. */
  stat(digest: string): Promise<BlobStat | undefined>;
  /** The bytes of a committed blob (or an inclusive range of them). Throws NotFoundError when absent. */
  read(digest: string, range?: ByteRange): Promise<Readable>;
  /** Removes a committed blob; false when it did not exist. */
  delete(digest: string): Promise<boolean>;
  /** Every committed blob's digest, in no particular order (for GC and fsck). */
  list(): AsyncIterable<string>;

  /** Creates an empty upload data file. Idempotent. */
  createUpload(id: string): Promise<void>;
  /**
   * Writes `source` at `offset` (discarding any bytes past it first) and makes the bytes durable before
   * resolving with the new size. Throws NotFoundError when the upload does not exist. When the source
   * fails or `maxSize` is exceeded, the file is cut back to `offset` and the error is rethrown.
   */
  appendUpload(
    id: string,
    offset: number,
    source: AsyncIterable<Buffer>,
    options?: AppendOptions,
  ): Promise<number>;
  /** Current size of an upload's data file, or undefined when it does not exist. */
  uploadSize(id: string): Promise<number | undefined>;
  /** The first `size` bytes of an upload's data file (to re-hash it after a restart). */
  readUpload(id: string, size: number): Promise<Readable>;
  /**
   * Makes the first `size` bytes of the upload visible as the blob `digest`, atomically, and removes the
   * upload. The caller has verified the digest. Throws NotFoundError when the upload does not exist.
   */
  commitUpload(id: string, digest: string, size: number): Promise<void>;
  /** Removes an upload's data; false when it did not exist. */
  deleteUpload(id: string): Promise<boolean>;
  /** Every upload id with data (for cleaning up abandoned uploads). */
  listUploads(): AsyncIterable<string>;
}
