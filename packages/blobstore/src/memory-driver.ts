/**
 * The in-memory blob driver: for tests and for the conformance suite's reference behaviour. Blobs and
 * upload data are Buffers in Maps, so it is only for small content. Every method awaits before it looks
 * at its arguments, so errors arrive as rejections, exactly as with drivers that do real I/O.
 */
import { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import type { AppendOptions, BlobDriver, BlobStat, ByteRange } from './contract.js';
import { checkRange, checkUploadId, splitDigest } from './names.js';

const tick = (): Promise<void> => Promise.resolve();
const streamOf = (data: Buffer): Readable => Readable.from([data], { objectMode: false });

export class MemoryBlobDriver implements BlobDriver {
  readonly kind = 'memory';
  private readonly blobs = new Map<string, Buffer>();
  private readonly uploads = new Map<string, Buffer>();

  async stat(digest: string): Promise<BlobStat | undefined> {
    await tick();
    splitDigest(digest);
    const blob = this.blobs.get(digest);
    return blob === undefined ? undefined : { size: blob.length };
  }

  async read(digest: string, range?: ByteRange): Promise<Readable> {
    await tick();
    splitDigest(digest);
    const blob = this.blobs.get(digest);
    if (blob === undefined) throw new NotFoundError(`blob ${digest} does not exist`);
    if (range === undefined) return streamOf(blob);
    checkRange(blob.length, range.start, range.end, digest);
    return streamOf(blob.subarray(range.start, range.end + 1));
  }

  async delete(digest: string): Promise<boolean> {
    await tick();
    splitDigest(digest);
    return this.blobs.delete(digest);
  }

  async *list(): AsyncIterable<string> {
    await tick();
    yield* [...this.blobs.keys()];
  }

  async createUpload(id: string): Promise<void> {
    await tick();
    checkUploadId(id);
    if (!this.uploads.has(id)) this.uploads.set(id, Buffer.alloc(0));
  }

  async appendUpload(
    id: string,
    offset: number,
    source: AsyncIterable<Buffer>,
    options: AppendOptions = {},
  ): Promise<number> {
    await tick();
    checkUploadId(id);
    const existing = this.uploads.get(id);
    if (existing === undefined) throw new NotFoundError(`upload ${id} does not exist`);
    if (offset > existing.length) {
      throw new InvalidArgumentError(`offset ${offset} is past the end of upload ${id} (${existing.length})`);
    }
    const parts: Buffer[] = [existing.subarray(0, offset)];
    let size = offset;
    // On any failure the stored data stays what it was before: it is replaced only at the end.
    for await (const chunk of source) {
      size += chunk.length;
      if (options.maxSize !== undefined && size > options.maxSize) {
        throw new InvalidArgumentError(`upload ${id} would exceed ${options.maxSize} bytes`);
      }
      options.onChunk?.(chunk);
      parts.push(Buffer.from(chunk));
    }
    if (!this.uploads.has(id)) throw new NotFoundError(`upload ${id} was removed while writing`);
    this.uploads.set(id, Buffer.concat(parts));
    return size;
  }

  async uploadSize(id: string): Promise<number | undefined> {
    await tick();
    checkUploadId(id);
    return this.uploads.get(id)?.length;
  }

  async readUpload(id: string, size: number): Promise<Readable> {
    await tick();
    checkUploadId(id);
    const data = this.uploads.get(id);
    if (data === undefined) throw new NotFoundError(`upload ${id} does not exist`);
    if (size > data.length) throw new InvalidArgumentError(`upload ${id} is shorter than ${size}`);
    return streamOf(data.subarray(0, size));
  }

  async commitUpload(id: string, digest: string, size: number): Promise<void> {
    await tick();
    checkUploadId(id);
    splitDigest(digest);
    const data = this.uploads.get(id);
    if (data === undefined) throw new NotFoundError(`upload ${id} does not exist`);
    if (size > data.length) throw new InvalidArgumentError(`upload ${id} is shorter than ${size}`);
    this.blobs.set(digest, Buffer.from(data.subarray(0, size)));
    this.uploads.delete(id);
  }

  async deleteUpload(id: string): Promise<boolean> {
    await tick();
    checkUploadId(id);
    return this.uploads.delete(id);
  }

  async *listUploads(): AsyncIterable<string> {
    await tick();
    yield* [...this.uploads.keys()];
  }
}
