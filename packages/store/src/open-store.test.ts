import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInvalidArgument } from '@stevedore/errors';
import { openStore, type StoreConfig } from './open-store.js';

describe('openStore', () => {
  it('opens the memory and sqlite stores by kind', async () => {
    const memory = await openStore({ kind: 'memory' });
    assert.equal(memory.kind, 'memory');
    await memory.close();
    const dir = mkdtempSync(join(tmpdir(), 'stevedore-open-store-'));
    try {
      const sqlite = await openStore({ kind: 'sqlite', path: join(dir, 'store.db') });
      assert.equal(sqlite.kind, 'sqlite');
      assert.equal((await sqlite.put('/k', 'v')).revision, 2);
      await sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which option is missing, or which kinds exist', async () => {
    const refusal = (config: StoreConfig, field: string) =>
      assert.rejects(openStore(config), (err: unknown) => {
        assert.ok(isInvalidArgument(err));
        assert.match((err as Error).message, new RegExp(field.replace('.', '\\.')));
        return true;
      });
    await refusal({ kind: 'sqlite' }, 'store.path');
    await refusal({ kind: 'etcd' }, 'store.endpoints');
    await refusal({ kind: 'etcd', endpoints: [] }, 'store.endpoints');
    await refusal({ kind: 'mysql' } as unknown as StoreConfig, "'memory', 'sqlite' or 'etcd'");
  });
});
