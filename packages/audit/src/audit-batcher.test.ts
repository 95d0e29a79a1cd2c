import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '@stevedore/store';
import { AuditBatcher } from './audit-batcher.js';
import { AuditLog } from './audit-log.js';

const record = (i: number) => ({
  actor: 'bob',
  action: 'container.view',
  target: `container:${i}`,
  remoteAddress: '127.0.0.1',
  result: 'success' as const,
  status: 200,
});

describe('AuditBatcher', () => {
  it('writes every entry, in order, in batches', async () => {
    const store = createMemoryStore();
    const before = await store.revision();
    const batcher = new AuditBatcher(store, { maxDelayMs: 10_000 });
    for (let i = 0; i < 250; i++) batcher.add(record(i));
    await batcher.flush();
    const { items } = await new AuditLog(store).query({ limit: 1000 });
    assert.deepEqual(
      items.map((e) => e.target),
      Array.from({ length: 250 }, (_, i) => `container:${i}`),
    );
    // 250 entries in 3 transactions (100 + 100 + 50), not 250 commits.
    assert.equal((await store.revision()) - before, 3);
  });

  it('writes on its own after the delay', async () => {
    const store = createMemoryStore();
    const batcher = new AuditBatcher(store, { maxDelayMs: 20 });
    batcher.add(record(1));
    // No flush(): the batcher's own timer writes it. A loaded machine may run that timer late, so poll
    // (the deadline is only an upper bound).
    const written = async () => (await new AuditLog(store).query()).items.length;
    for (const deadline = Date.now() + 20_000; (await written()) === 0 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await written(), 1);
  });
});
