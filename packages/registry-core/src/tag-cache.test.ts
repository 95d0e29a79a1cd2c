import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { MemoryBlobDriver } from '@stevedore/blobstore';
import { createMemoryStore } from '@stevedore/store';
import { Registry } from './registry.js';
import { digestOf } from './digest.js';
import { MediaTypes } from './media-types.js';
import { slicePage } from './tag-cache.js';

async function image(registry: Registry): Promise<Buffer> {
  const config = Buffer.from('{}');
  const { id } = await registry.uploads.start('lib/a');
  await registry.uploads.complete(
    'lib/a',
    id,
    digestOf(config),
    Readable.from([config], { objectMode: false }),
  );
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: 2 },
      layers: [],
    }),
  );
}

/** Polls `check` until it holds; the deadline is only an upper bound for a loaded machine. */
const until = async (check: () => Promise<boolean>, timeoutMs = 20_000) => {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) return; // the caller's assertion says what did not happen
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('tag list cache', () => {
  it("sees another replica's tag changes through the Store watch", async () => {
    const store = createMemoryStore();
    const driver = new MemoryBlobDriver();
    const a = new Registry({ store, driver });
    const b = new Registry({ store, driver });
    a.start();
    b.start();
    try {
      const body = await image(a);
      const put = (tag: string) =>
        a.manifests.put({ name: 'lib/a', reference: tag, body, contentType: undefined });
      await put('one');
      assert.deepEqual((await b.discovery.tags('lib/a')).items, ['one']);
      await put('two');
      await until(async () => (await b.discovery.tags('lib/a')).items.length === 2);
      assert.deepEqual((await b.discovery.tags('lib/a')).items, ['one', 'two']);
      await a.manifests.delete('lib/a', 'one');
      assert.deepEqual(
        (await a.discovery.tags('lib/a')).items,
        ['two'],
        'a replica reads its own writes at once',
      );
      await until(async () => (await b.discovery.tags('lib/a')).items.length === 1);
      assert.deepEqual((await b.discovery.tags('lib/a')).items, ['two']);
    } finally {
      a.close();
      b.close();
    }
  });

  it('pages a sorted list after `last`', () => {
    const tags = ['1', 'A', 'a', 'b', 'c'];
    assert.deepEqual(slicePage(tags, 2, undefined), { items: ['1', 'A'], more: true });
    assert.deepEqual(slicePage(tags, 2, 'A'), { items: ['a', 'b'], more: true });
    assert.deepEqual(slicePage(tags, 5, 'b'), { items: ['c'], more: false });
    assert.deepEqual(slicePage(tags, undefined, 'aa'), { items: ['b', 'c'], more: false });
    assert.deepEqual(slicePage(tags, 3, 'z'), { items: [], more: false });
  });
});
