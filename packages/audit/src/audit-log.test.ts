import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '@stevedore/errors';
import { createMemoryStore } from '@stevedore/store';
import { AuditLog, type AuditRecord } from './index.js';

const record = (actor: string, action: string, result: 'success' | 'failure' = 'success'): AuditRecord => ({
  actor,
  action,
  target: 'user:x',
  remoteAddress: '127.0.0.1',
  result,
  status: result === 'success' ? 200 : 403,
});

function logWith(times: number[]) {
  const store = createMemoryStore();
  let i = 0;
  const log = new AuditLog(store, () => times[Math.min(i++, times.length - 1)]!);
  return { store, log };
}

describe('audit log', () => {
  it('keeps entries in time order with their fields', async () => {
    const { log } = logWith([1000, 2000, 3000]);
    await log.append(record('admin', 'user.create'));
    await log.append(record('alice', 'grant.delete', 'failure'));
    await log.append(record('admin', 'org.create'));
    const { items, next } = await log.query();
    assert.deepEqual(
      items.map((e) => [e.actor, e.action, e.result, e.time]),
      [
        ['admin', 'user.create', 'success', '1970-01-01T00:00:01.000Z'],
        ['alice', 'grant.delete', 'failure', '1970-01-01T00:00:02.000Z'],
        ['admin', 'org.create', 'success', '1970-01-01T00:00:03.000Z'],
      ],
    );
    assert.equal(next, null);
  });

  it('filters by actor, action, result and time window', async () => {
    const { log } = logWith([1000, 2000, 3000, 4000]);
    await log.append(record('admin', 'user.create'));
    await log.append(record('alice', 'grant.delete', 'failure'));
    await log.append(record('admin', 'org.create'));
    await log.append(record('admin', 'user.create'));
    assert.equal((await log.query({ actor: 'admin' })).items.length, 3);
    assert.equal((await log.query({ action: 'user.create' })).items.length, 2);
    assert.equal((await log.query({ result: 'failure' })).items[0]?.actor, 'alice');
    const window = await log.query({ since: '1970-01-01T00:00:02.000Z', until: '1970-01-01T00:00:03.000Z' });
    assert.deepEqual(
      window.items.map((e) => e.action),
      ['grant.delete', 'org.create'],
    );
  });

  it('pages with a cursor, without gaps or repeats', async () => {
    const { log } = logWith(Array.from({ length: 25 }, (_, i) => 1000 + i));
    for (let i = 0; i < 25; i++) await log.append(record(`u${i}`, 'user.create'));
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await log.query({ limit: 10, ...(after ? { after } : {}) });
      seen.push(...page.items.map((e) => e.actor));
      if (page.next === null) break;
      after = page.next;
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 25 }, (_, i) => `u${i}`),
    );
  });

  it('never overwrites an entry written in the same millisecond', async () => {
    const { log } = logWith([5000]);
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(record(`u${i}`, 'x'))));
    assert.equal((await log.query({ limit: 1000 })).items.length, 50);
  });

  it('refuses bad filters with the field named', async () => {
    const { log } = logWith([1]);
    await assert.rejects(log.query({ since: 'yesterday' }), (e: unknown) => isInvalidArgument(e));
    await assert.rejects(log.query({ limit: 0 }), (e: unknown) => isInvalidArgument(e));
  });
});
