/**
 * The filesystem blob driver. Layout under its root directory (`<dataDir>/blobs` for the registry;
 * distribution's paths.go, simplified):
 *
 *   <root>/
 *   ├── sha256/
 *   │   └── ab/                          first two hex characters, so no directory grows too large
 *   │       └── abcdef0123…/
 *   │           └── data                 the blob's bytes; appears only by rename, never written in place
 *   ├── sha512/…
 *   └── _uploads/                        (algorithms are lower-case words, so `_uploads` is never one)
 *       └── <upload id>/
 *           └── data                     bytes received so far; appended at an offset, fsynced per append
 *
 * Invariants: a blob's `data` is created only by `rename(2)` of a fully written and fsynced upload file
 * (rename is atomic within one filesystem, which the one root guarantees), followed by an
 * fsync of the new directory entry, so a crash leaves either no blob or the whole blob.
 */
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import type { AppendOptions, BlobDriver, BlobStat, ByteRange } from './contract.js';
import { checkRange, checkUploadId, splitDigest } from './names.js';
import { fsyncDir, isNoEnt, writeStreamAt } from './fs-io.js';
import { FileBlobStream } from './fs-read-stream.js';

const READ_CHUNK = 256 * 1024;
const UPLOADS = '_uploads';

export class FilesystemBlobDriver implements BlobDriver {
  readonly kind = 'filesystem';
  constructor(private readonly root: string) {}

  private blobDir(digest: string): string {
    const { algorithm, encoded } = splitDigest(digest);
    return join(this.root, algorithm, encoded.slice(0, 2), encoded);
  }

  private uploadDir(id: string): string {
    return join(this.root, UPLOADS, checkUploadId(id));
  }

  async stat(digest: string): Promise<BlobStat | undefined> {
    try {
      const st = await stat(join(this.blobDir(digest), 'data'));
      return { size: st.size };
    } catch (err) {
      if (isNoEnt(err)) return undefined;
      throw err;
    }
  }

  async read(digest: string, range?: ByteRange): Promise<Readable> {
    let fh: FileHandle;
    try {
      fh = await open(join(this.blobDir(digest), 'data'), 'r');
    } catch (err) {
      if (isNoEnt(err)) throw new NotFoundError(`blob ${digest} does not exist`);
      throw err;
    }
    let size: number;
    try {
      size = (await fh.stat()).size;
      if (range !== undefined) checkRange(size, range.start, range.end, digest);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return range === undefined
      ? new FileBlobStream(fh, 0, size - 1)
      : new FileBlobStream(fh, range.start, range.end);
  }

  async delete(digest: string): Promise<boolean> {
    const dir = this.blobDir(digest);
    try {
      await unlink(join(dir, 'data'));
    } catch (err) {
      if (isNoEnt(err)) return false;
      throw err;
    }
    await rm(dir, { recursive: true, force: true });
    return true;
  }

  async *list(): AsyncIterable<string> {
    const base = this.root;
    for (const algorithm of await readdirOrEmpty(base)) {
      if (algorithm === UPLOADS) continue;
      for (const prefix of await readdirOrEmpty(join(base, algorithm))) {
        for (const encoded of await readdirOrEmpty(join(base, algorithm, prefix))) {
          // A directory without data is a leftover of a delete; it holds no blob.
          const data = await stat(join(base, algorithm, prefix, encoded, 'data')).catch(() => undefined);
          if (data?.isFile()) yield `${algorithm}:${encoded}`;
        }
      }
    }
  }

  async createUpload(id: string): Promise<void> {
    const dir = this.uploadDir(id);
    await mkdir(dir, { recursive: true });
    const fh = await open(join(dir, 'data'), 'a');
    await fh.close();
  }

  async appendUpload(
    id: string,
    offset: number,
    source: AsyncIterable<Buffer>,
    options: AppendOptions = {},
  ): Promise<number> {
    let fh: FileHandle;
    try {
      fh = await open(join(this.uploadDir(id), 'data'), 'r+');
    } catch (err) {
      if (isNoEnt(err)) throw new NotFoundError(`upload ${id} does not exist`);
      throw err;
    }
    try {
      const current = (await fh.stat()).size;
      if (offset > current) {
        throw new InvalidArgumentError(`offset ${offset} is past the end of upload ${id} (${current})`);
      }
      if (current > offset) await fh.truncate(offset);
      let position: number;
      try {
        position = await writeStreamAt(fh, source, offset, options, `upload ${id}`);
        await fh.datasync();
      } catch (err) {
        await fh.truncate(offset).catch(() => undefined);
        throw err;
      }
      return position;
    } finally {
      await fh.close();
    }
  }

  async uploadSize(id: string): Promise<number | undefined> {
    try {
      return (await stat(join(this.uploadDir(id), 'data'))).size;
    } catch (err) {
      if (isNoEnt(err)) return undefined;
      throw err;
    }
  }

  async readUpload(id: string, size: number): Promise<Readable> {
    let fh: FileHandle;
    try {
      fh = await open(join(this.uploadDir(id), 'data'), 'r');
    } catch (err) {
      if (isNoEnt(err)) throw new NotFoundError(`upload ${id} does not exist`);
      throw err;
    }
    const actual = (await fh.stat()).size;
    if (size > actual) {
      await fh.close();
      throw new InvalidArgumentError(`upload ${id} holds ${actual} bytes, fewer than ${size}`);
    }
    if (size === 0) {
      // An empty range has no inclusive end; an empty stream says the same.
      await fh.close();
      return Readable.from([], { objectMode: false });
    }
    return fh.createReadStream({ start: 0, end: size - 1, highWaterMark: READ_CHUNK });
  }

  async commitUpload(id: string, digest: string, size: number): Promise<void> {
    const uploadDir = this.uploadDir(id);
    const source = join(uploadDir, 'data');
    let fh: FileHandle;
    try {
      fh = await open(source, 'r+');
    } catch (err) {
      if (isNoEnt(err)) throw new NotFoundError(`upload ${id} does not exist`);
      throw err;
    }
    try {
      const actual = (await fh.stat()).size;
      if (actual < size)
        throw new InvalidArgumentError(`upload ${id} holds ${actual} bytes, fewer than ${size}`);
      if (actual > size) await fh.truncate(size);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    const target = this.blobDir(digest);
    await mkdir(target, { recursive: true });
    await rename(source, join(target, 'data'));
    await fsyncDir(target);
    await rm(uploadDir, { recursive: true, force: true });
  }

  async deleteUpload(id: string): Promise<boolean> {
    const dir = this.uploadDir(id);
    const existed = (await this.uploadSize(id)) !== undefined;
    await rm(dir, { recursive: true, force: true });
    return existed;
  }

  async *listUploads(): AsyncIterable<string> {
    yield* await readdirOrEmpty(join(this.root, UPLOADS));
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isNoEnt(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}
