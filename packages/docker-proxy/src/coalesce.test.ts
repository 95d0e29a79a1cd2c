import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { pipeCoalesced } from './coalesce.js';

/** A target that keeps each write; `full` makes write() answer false until drained. */
function target(options: { full?: boolean } = {}) {
  const writes: Buffer[] = [];
  let ended = false;
  const sink = new Writable({
    highWaterMark: options.full ? 1 : 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk);
      setImmediate(done);
    },
    final(done) {
      ended = true;
      done();
    },
  });
  return { sink, writes, ended: () => ended };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('coalesced piping', () => {
  it('writes the pieces that arrive together once, bytes and order unchanged', async () => {
    const source = new PassThrough();
    const { sink, writes, ended } = target();
    pipeCoalesced(source, sink);
    const lines = Array.from({ length: 500 }, (_, i) => Buffer.from(`line ${i}\n`));
    for (const line of lines) source.write(line);
    source.end();
    await until(ended, 'the end');
    assert.ok(writes.length < 10, `${writes.length} writes for 500 lines`);
    assert.deepEqual(Buffer.concat(writes), Buffer.concat(lines));
  });

  it('passes a piece of a live stream on without waiting for more', async () => {
    const source = new PassThrough();
    const { sink, writes } = target();
    pipeCoalesced(source, sink);
    source.write('first line\n');
    await until(() => writes.length === 1, 'the first line');
    assert.equal(writes[0]?.toString(), 'first line\n');
    source.write('second line\n');
    await until(() => writes.length === 2, 'the second line');
    source.destroy();
  });

  it('writes a big burst in batches, and waits while the caller is full', async () => {
    const source = new PassThrough({ highWaterMark: 1 << 20 });
    const { sink, writes, ended } = target({ full: true });
    pipeCoalesced(source, sink);
    const piece = Buffer.alloc(1000, 'x');
    const burst: Buffer[] = [];
    for (let i = 0; i < 1000; i++) burst.push(Buffer.from(piece.map(() => 97 + (i % 26))));
    for (const b of burst) source.write(b);
    source.end();
    await until(ended, 'the end');
    assert.ok(writes.length >= 15 && writes.length < 100, `${writes.length} writes of 1 MB`);
    assert.ok(
      writes.every((w) => w.length <= 65 * 1024),
      'no batch much above 64 KiB',
    );
    assert.deepEqual(Buffer.concat(writes), Buffer.concat(burst));
  });
});
