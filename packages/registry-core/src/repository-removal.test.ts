import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '@stevedore/errors';
import { createMemoryStore } from '@stevedore/store';
import { keys } from './keys.js';
import { removeRepositoryContent } from './repository-removal.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

async function seed(store: ReturnType<typeof createMemoryStore>, name: string, tags: number) {
  await store.put(keys.repository(name), JSON.stringify({ createdAt: '2026-12-01T00:00:00Z' }));
  await store.put(keys.manifest(name, DIGEST), '{}');
  await store.put(keys.layer(name, DIGEST), '{"size":1}');
  for (let i = 0; i < tags; i++) await store.put(keys.tag(name, `t${i}`), JSON.stringify({ digest: DIGEST }));
}

describe('removeRepositoryContent', () => {
  it('removes every tag, manifest and link of the repository and its catalog entry, not a nested one', async () => {
    const store = createMemoryStore();
    await seed(store, 'acme/app', 300);
    await seed(store, 'acme/app/web', 2);
    await store.put(keys.blob(DIGEST), '{"size":1}');
    const { keys: removed } = await removeRepositoryContent(store, 'acme/app');
    assert.equal(removed, 302);
    assert.equal(
      (await store.range(keys.repoPrefix('acme/app'))).kvs.every((kv) => kv.key.includes('/app/web/')),
      true,
    );
    assert.equal((await store.range(keys.tagsPrefix('acme/app/web'))).kvs.length, 2);
    assert.equal(await store.get(keys.repository('acme/app')), undefined);
    assert.ok(await store.get(keys.repository('acme/app/web')));
    assert.ok(await store.get(keys.blob(DIGEST)), 'blobs wait for garbage collection');
    // Again: nothing left to do, and no error.
    assert.equal((await removeRepositoryContent(store, 'acme/app')).keys, 0);
    await store.close();
  });

  it('refuses a name outside the grammar before touching anything', async () => {
    const store = createMemoryStore();
    await seed(store, 'acme/app', 1);
    await assert.rejects(removeRepositoryContent(store, 'acme/App'), isInvalidArgument);
    await assert.rejects(removeRepositoryContent(store, ''), isInvalidArgument);
    assert.equal((await store.range(keys.tagsPrefix('acme/app'))).kvs.length, 1);
    await store.close();
  });
});
