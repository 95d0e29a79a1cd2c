import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FileBlobStream, SEND_BUFFER, canWriteTo } from './fs-read-stream.js';

/** A destination that keeps copies of what it is given (the source's buffers are reused once written). */
class Collector extends Writable {
  readonly parts: Buffer[] = [];
  constructor(private readonly failAfter = Infinity) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, callback: (err?: Error | null) => void): void {
    this.parts.push(Buffer.from(chunk));
    // Completes later, as a socket does, so the source really has a read and a write under way at once.
    setImmediate(() => {
      if (this.parts.length >= this.failAfter) this.destroy(new Error('peer reset'));
      else callback();
    });
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

describe('FileBlobStream', () => {
  let dir: string;
  let path: string;
  // Not a whole number of send buffers, so the last one is cut short.
  const data = randomBytes(3 * SEND_BUFFER + 12_345);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stevedore-blob-stream-'));
    path = join(dir, 'data');
    await writeFile(path, data);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const streamOf = async (start: number, end: number): Promise<FileBlobStream> =>
    new FileBlobStream(await open(path, 'r'), start, end);

  it('writes the whole file, then ends the destination and closes the file', async () => {
    const stream = await streamOf(0, data.length - 1);
    assert.ok(canWriteTo(stream));
    const out = new Collector();
    await stream.writeTo(out);
    assert.ok(out.bytes().equals(data));
    assert.ok(out.writableFinished);
    assert.ok(stream.destroyed);
  });

  it('writes an inclusive range across buffer boundaries', async () => {
    const [start, end] = [SEND_BUFFER - 10, 2 * SEND_BUFFER + 10];
    const out = new Collector();
    await (await streamOf(start, end)).writeTo(out);
    assert.ok(out.bytes().equals(data.subarray(start, end + 1)));
  });

  it('writes nothing for an empty range and still ends the destination', async () => {
    const out = new Collector();
    await (await streamOf(0, -1)).writeTo(out);
    assert.equal(out.bytes().length, 0);
    assert.ok(out.writableFinished);
  });

  it('rejects when the destination fails mid-blob, and closes the file', async () => {
    const stream = await streamOf(0, data.length - 1);
    const out = new Collector(2);
    await assert.rejects(stream.writeTo(out), /peer reset|premature|closed/i);
    assert.ok(stream.destroyed);
    assert.ok(out.parts.length < 4, 'stopped reading once the destination failed');
  });

  it('still serves ordinary readers, in order', async () => {
    const parts: Buffer[] = [];
    for await (const chunk of await streamOf(5, data.length - 1)) parts.push(chunk as Buffer);
    assert.ok(Buffer.concat(parts).equals(data.subarray(5)));
  });

  it('refuses writeTo once an ordinary reader has started', async () => {
    const stream = await streamOf(0, data.length - 1);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.pause();
    await assert.rejects(stream.writeTo(new Collector()), /already being read/);
    stream.destroy();
  });
});
