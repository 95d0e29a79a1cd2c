import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { MemoryBlobDriver } from '@stevedore/blobstore';
import { createMemoryStore } from '@stevedore/store';
import { Registry } from './registry.js';
import { digestOf } from './digest.js';
import { isRegistryError } from './errors.js';

const bytes = (s: string) => Readable.from([Buffer.from(s)], { objectMode: false });

function setup() {
  const store = createMemoryStore();
  const driver = new MemoryBlobDriver();
  return { store, driver, registry: new Registry({ store, driver }) };
}

describe('upload sessions', () => {
  it('verifies the digest when the hash state is lost (as after a restart)', async () => {
    const { store, driver, registry } = setup();
    const { id } = await registry.uploads.start('lib/a');
    await registry.uploads.append('lib/a', id, bytes('hello '));
    // A second Registry over the same storage has seen none of the bytes: it must re-hash.
    const other = new Registry({ store, driver });
    await other.uploads.append('lib/a', id, bytes('world'), { start: 6, end: 10 });
    const blob = await other.uploads.complete('lib/a', id, digestOf(Buffer.from('hello world')), undefined);
    assert.equal(blob.size, 11);
    assert.equal((await other.blobs.stat('lib/a', blob.digest)).size, 11);
  });

  it('cancels the session on a digest mismatch, leaving nothing', async () => {
    const { store, driver, registry } = setup();
    const { id } = await registry.uploads.start('lib/a');
    await registry.uploads.append('lib/a', id, bytes('abc'));
    await assert.rejects(
      registry.uploads.complete('lib/a', id, digestOf(Buffer.from('xyz')), undefined),
      (err) => isRegistryError(err, 'DIGEST_INVALID'),
    );
    assert.equal((await store.range('registry/uploads/')).kvs.length, 0);
    assert.equal((await store.range('registry/repo/')).kvs.length, 0);
    assert.equal(await driver.uploadSize(id), undefined);
  });

  it('serializes concurrent chunks of one session: one wins, the other gets 416', async () => {
    const { registry } = setup();
    const { id } = await registry.uploads.start('lib/a');
    const results = await Promise.allSettled([
      registry.uploads.append('lib/a', id, bytes('aa'), { start: 0, end: 1 }),
      registry.uploads.append('lib/a', id, bytes('bb'), { start: 0, end: 1 }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const failed = results.find((r) => r.status === 'rejected');
    assert.ok(isRegistryError(failed?.reason, 'RANGE_INVALID'));
    assert.equal((await registry.uploads.status('lib/a', id)).size, 2);
  });

  it('the janitor cancels expired sessions and removes orphaned data seen twice', async () => {
    const { driver, registry } = setup();
    const { id } = await registry.uploads.start('lib/a');
    await driver.createUpload('orphan-left-by-a-crash');
    assert.deepEqual(await registry.janitor.sweep(60_000), { expired: 0, orphans: 0 });
    assert.deepEqual(await registry.janitor.sweep(60_000), { expired: 0, orphans: 1 });
    assert.equal(await driver.uploadSize(id), 0, 'a live session is kept');
    assert.deepEqual(await registry.janitor.sweep(60_000, Date.now() + 120_000), { expired: 1, orphans: 0 });
    await assert.rejects(registry.uploads.status('lib/a', id), (err) =>
      isRegistryError(err, 'BLOB_UPLOAD_UNKNOWN'),
    );
    assert.equal(await driver.uploadSize(id), undefined);
  });
});
