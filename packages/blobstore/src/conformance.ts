/**
 * The one conformance suite every blob driver runs (distribution's driver/testsuites idea). A driver's
 * test file calls `blobDriverConformance('name', factory)`; the factory gives a fresh, empty driver and a
 * way to reopen one over the same storage (to check what survives a restart), or undefined for drivers
 * whose storage does not outlive the object.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isInvalidArgument, isNotFound } from '@stevedore/errors';
import type { BlobDriver } from './contract.js';

export interface DriverFactory {
  create: () => Promise<{ driver: BlobDriver; reopen?: () => BlobDriver; cleanup: () => Promise<void> }>;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts);
}

function chunks(...parts: string[]): AsyncIterable<Buffer> {
  return Readable.from(parts.map((p) => Buffer.from(p)));
}

async function* failingAfter(data: string): AsyncIterable<Buffer> {
  await Promise.resolve();
  yield Buffer.from(data);
  throw new Error('client went away');
}

async function collect(items: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) out.push(item);
  return out.sort();
}

export function blobDriverConformance(name: string, factory: DriverFactory): void {
  async function withDriver(
    fn: (driver: BlobDriver, reopen?: () => BlobDriver) => Promise<void>,
  ): Promise<void> {
    const { driver, reopen, cleanup } = await factory.create();
    try {
      await fn(driver, reopen);
    } finally {
      await cleanup();
    }
  }

  describe(`blob driver conformance: ${name}`, () => {
    it('appends in chunks and commits under the digest; the blob is invisible until then', () =>
      withDriver(async (d) => {
        const data = Buffer.from('hello, blob world');
        const digest = sha256(data);
        await d.createUpload('u1');
        assert.equal(await d.appendUpload('u1', 0, chunks('hello, ', 'blob')), 11);
        assert.equal(await d.appendUpload('u1', 11, chunks(' world')), data.length);
        assert.equal(await d.stat(digest), undefined, 'not visible before commit');
        await d.commitUpload('u1', digest, data.length);
        assert.deepEqual(await d.stat(digest), { size: data.length });
        assert.deepEqual(await bytesOf(await d.read(digest)), data);
        assert.equal(await d.uploadSize('u1'), undefined, 'commit removes the upload');
      }));

    it('reads inclusive byte ranges and refuses ranges past the end', () =>
      withDriver(async (d) => {
        const data = Buffer.from('0123456789');
        await d.createUpload('r');
        await d.appendUpload('r', 0, chunks('0123456789'));
        await d.commitUpload('r', sha256(data), 10);
        assert.equal((await bytesOf(await d.read(sha256(data), { start: 2, end: 4 }))).toString(), '234');
        assert.equal((await bytesOf(await d.read(sha256(data), { start: 9, end: 9 }))).toString(), '9');
        await assert.rejects(d.read(sha256(data), { start: 5, end: 10 }), isInvalidArgument);
      }));

    it('discards bytes past the offset on append (a crash or aborted request left them)', () =>
      withDriver(async (d) => {
        await d.createUpload('o');
        await d.appendUpload('o', 0, chunks('abcdef'));
        assert.equal(await d.appendUpload('o', 3, chunks('XYZ')), 6);
        assert.equal((await bytesOf(await d.readUpload('o', 6))).toString(), 'abcXYZ');
        await assert.rejects(d.appendUpload('o', 7, chunks('x')), isInvalidArgument);
      }));

    it('keeps the old size when the source fails or the size limit is passed', () =>
      withDriver(async (d) => {
        await d.createUpload('f');
        await d.appendUpload('f', 0, chunks('keep'));
        await assert.rejects(d.appendUpload('f', 4, failingAfter('lost')), /client went away/);
        assert.equal(await d.uploadSize('f'), 4);
        await assert.rejects(d.appendUpload('f', 4, chunks('12345'), { maxSize: 8 }), isInvalidArgument);
        assert.equal(await d.uploadSize('f'), 4);
      }));

    it('streams each chunk to onChunk in order', () =>
      withDriver(async (d) => {
        const seen: string[] = [];
        await d.createUpload('h');
        await d.appendUpload('h', 0, chunks('a', 'b', 'c'), { onChunk: (c) => seen.push(c.toString()) });
        assert.equal(seen.join(''), 'abc');
      }));

    it('reports absence: NotFound on read/append/commit, undefined on stat, false on delete', () =>
      withDriver(async (d) => {
        const missing = sha256(Buffer.from('missing'));
        assert.equal(await d.stat(missing), undefined);
        await assert.rejects(d.read(missing), isNotFound);
        assert.equal(await d.delete(missing), false);
        assert.equal(await d.uploadSize('nope'), undefined);
        await assert.rejects(d.appendUpload('nope', 0, chunks('x')), isNotFound);
        await assert.rejects(d.commitUpload('nope', missing, 0), isNotFound);
        assert.equal(await d.deleteUpload('nope'), false);
      }));

    it('refuses digests and upload ids that could escape its storage', () =>
      withDriver(async (d) => {
        for (const bad of ['../etc/passwd', 'sha256:../../x', 'sha256:ABC', 'sha256/abc']) {
          await assert.rejects(d.stat(bad), isInvalidArgument, bad);
        }
        for (const bad of ['../x', 'a/b', '', '.']) {
          await assert.rejects(d.createUpload(bad), isInvalidArgument, bad);
        }
      }));

    it('lists blobs and uploads, deletes both, and commits the same digest twice without error', () =>
      withDriver(async (d) => {
        const data = Buffer.from('same');
        for (const id of ['a', 'b']) {
          await d.createUpload(id);
          await d.appendUpload(id, 0, chunks('same'));
        }
        await d.createUpload('pending');
        assert.deepEqual(await collect(d.listUploads()), ['a', 'b', 'pending']);
        await d.commitUpload('a', sha256(data), 4);
        await d.commitUpload('b', sha256(data), 4);
        assert.deepEqual(await collect(d.list()), [sha256(data)]);
        assert.equal(await d.deleteUpload('pending'), true);
        assert.equal(await d.delete(sha256(data)), true);
        assert.deepEqual(await collect(d.list()), []);
        assert.deepEqual(await collect(d.listUploads()), []);
      }));

    it('streams several MiB in small chunks, and cuts back cleanly when the source fails late', () =>
      withDriver(async (d) => {
        const piece = Buffer.alloc(64 * 1024);
        const pieces = Array.from({ length: 56 }, (_, i) => Buffer.from(piece.fill(i)));
        const data = Buffer.concat(pieces);
        await d.createUpload('big');
        let hashed = 0;
        const size = await d.appendUpload('big', 0, Readable.from(pieces), {
          onChunk: (c) => (hashed += c.length),
        });
        assert.equal(size, data.length);
        assert.equal(hashed, data.length);
        async function* late(): AsyncIterable<Buffer> {
          for (const p of pieces) yield await Promise.resolve(p);
          throw new Error('cut off');
        }
        await assert.rejects(d.appendUpload('big', size, late()), /cut off/);
        assert.equal(await d.uploadSize('big'), size);
        await d.commitUpload('big', sha256(data), size);
        assert.ok((await bytesOf(await d.read(sha256(data)))).equals(data));
      }));

    it('handles an empty blob', () =>
      withDriver(async (d) => {
        const empty = sha256(Buffer.alloc(0));
        await d.createUpload('e');
        assert.equal((await bytesOf(await d.readUpload('e', 0))).length, 0);
        await d.commitUpload('e', empty, 0);
        assert.deepEqual(await d.stat(empty), { size: 0 });
        assert.equal((await bytesOf(await d.read(empty))).length, 0);
      }));

    it('keeps uploads and blobs across a reopen, when the storage outlives the driver', () =>
      withDriver(async (d, reopen) => {
        if (reopen === undefined) return;
        await d.createUpload('survivor');
        await d.appendUpload('survivor', 0, chunks('part one,'));
        const again = reopen();
        assert.equal(await again.uploadSize('survivor'), 9);
        await again.appendUpload('survivor', 9, chunks(' part two'));
        const data = Buffer.from('part one, part two');
        await again.commitUpload('survivor', sha256(data), data.length);
        assert.deepEqual(await bytesOf(await reopen().read(sha256(data))), data);
      }));
  });
}
