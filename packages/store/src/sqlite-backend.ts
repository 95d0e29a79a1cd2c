/**
 * A `LocalBackend` in one SQLite file (better-sqlite3, synchronous). WAL journal with `synchronous=FULL`:
 * a transaction is on disk (WAL fsynced) when COMMIT returns, so an acknowledged write survives SIGKILL
 * and power loss.
 *
 * Layout (keys are BLOBs of their UTF-8 bytes, so SQLite's memcmp order is etcd's bytewise order):
 *   meta(name, value)     'revision' (current, starts at 1), 'compact_revision' (starts at 0)
 *   kv(key, value, create_rev, mod_rev, version, lease)       the current state
 *   log(rev, idx, type, key, value, create_rev, version, lease) every change since the compaction point
 *   lease(id, ttl, expires_at)                                  expires_at in wall-clock ms
 *
 * One process owns a file at a time: watches are fanned out in-process, so a second writer's changes
 * would be invisible to this process's watchers.
 */
import Database from 'better-sqlite3';
import type { KeyValue, WatchEvent } from './contract.js';
import { prefixEnd } from './key-order.js';
import type { LocalBackend, StoredLease } from './local-backend.js';
import { SCHEMA, type KvRow, type LogRow, kvFromRow, eventFromRow } from './sqlite-schema.js';

export class SqliteBackend implements LocalBackend {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.stmt = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      meta: db.prepare<[string], number>('SELECT value FROM meta WHERE name = ?').pluck(),
      setMeta: db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
      get: db.prepare<[Buffer], KvRow>('SELECT * FROM kv WHERE key = ?'),
      rangeTo: db.prepare<[Buffer, Buffer, number], KvRow>(
        'SELECT * FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?',
      ),
      rangeOpen: db.prepare<[Buffer, number], KvRow>('SELECT * FROM kv WHERE key >= ? ORDER BY key LIMIT ?'),
      put: db.prepare(
        'INSERT OR REPLACE INTO kv (key, value, create_rev, mod_rev, version, lease) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      del: db.prepare('DELETE FROM kv WHERE key = ?'),
      log: db.prepare(
        'INSERT INTO log (rev, idx, type, key, value, create_rev, version, lease) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      historyTo: db.prepare<[number, Buffer, Buffer], LogRow>(
        'SELECT * FROM log WHERE rev >= ? AND key >= ? AND key < ? ORDER BY rev, idx',
      ),
      historyOpen: db.prepare<[number, Buffer], LogRow>(
        'SELECT * FROM log WHERE rev >= ? AND key >= ? ORDER BY rev, idx',
      ),
      compact: db.prepare('DELETE FROM log WHERE rev < ?'),
      createLease: db.prepare('INSERT INTO lease (ttl, expires_at) VALUES (?, ?)'),
      getLease: db.prepare<[number], { id: number; ttl: number; expires_at: number }>(
        'SELECT * FROM lease WHERE id = ?',
      ),
      setLease: db.prepare('UPDATE lease SET expires_at = ? WHERE id = ?'),
      delLease: db.prepare('DELETE FROM lease WHERE id = ?'),
      expired: db.prepare<[number], number>('SELECT id FROM lease WHERE expires_at <= ?').pluck(),
      keysOfLease: db.prepare<[number], Buffer>('SELECT key FROM kv WHERE lease = ?').pluck(),
    };
  }

  atomically<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.stmt.begin.run();
    try {
      const result = fn();
      this.stmt.commit.run();
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.stmt.rollback.run();
      throw err;
    }
  }

  revision(): number {
    return this.stmt.meta.get('revision')!;
  }

  compactRevision(): number {
    return this.stmt.meta.get('compact_revision')!;
  }

  get(key: string): KeyValue | undefined {
    const row = this.stmt.get.get(Buffer.from(key));
    return row && kvFromRow(row);
  }

  range(prefix: string, after: string | undefined, limit: number): { kvs: KeyValue[]; more: boolean } {
    const low = Buffer.from(prefix);
    // "key > after" as "key >= after + \0": the smallest byte string greater than `after`.
    const afterBound = after === undefined ? undefined : Buffer.concat([Buffer.from(after), Buffer.alloc(1)]);
    const start = afterBound && Buffer.compare(afterBound, low) > 0 ? afterBound : low;
    const end = prefixEnd(low);
    const fetch = limit > 0 ? limit + 1 : -1;
    const rows = end ? this.stmt.rangeTo.all(start, end, fetch) : this.stmt.rangeOpen.all(start, fetch);
    const more = limit > 0 && rows.length > limit;
    return { kvs: (more ? rows.slice(0, limit) : rows).map(kvFromRow), more };
  }

  putKey(kv: KeyValue): void {
    this.stmt.put.run(Buffer.from(kv.key), kv.value, kv.createRevision, kv.modRevision, kv.version, kv.lease);
  }

  deleteKey(key: string): void {
    this.stmt.del.run(Buffer.from(key));
  }

  commit(revision: number, events: readonly WatchEvent[]): void {
    events.forEach((e, idx) => {
      if (e.type === 'put') {
        const { kv } = e;
        this.stmt.log.run(
          revision,
          idx,
          0,
          Buffer.from(kv.key),
          kv.value,
          kv.createRevision,
          kv.version,
          kv.lease,
        );
      } else {
        this.stmt.log.run(revision, idx, 1, Buffer.from(e.key), null, null, null, null);
      }
    });
    this.stmt.setMeta.run(revision, 'revision');
  }

  history(prefix: string, from: number): WatchEvent[] {
    const low = Buffer.from(prefix);
    const end = prefixEnd(low);
    const rows = end ? this.stmt.historyTo.all(from, low, end) : this.stmt.historyOpen.all(from, low);
    return rows.map(eventFromRow);
  }

  compact(revision: number): void {
    this.stmt.compact.run(revision);
    this.stmt.setMeta.run(revision, 'compact_revision');
  }

  createLease(ttlSeconds: number, expiresAt: number): number {
    return Number(this.stmt.createLease.run(ttlSeconds, expiresAt).lastInsertRowid);
  }

  getLease(id: number): StoredLease | undefined {
    const row = this.stmt.getLease.get(id);
    return row && { id: row.id, ttlSeconds: row.ttl, expiresAt: row.expires_at };
  }

  setLeaseExpiry(id: number, expiresAt: number): void {
    this.stmt.setLease.run(expiresAt, id);
  }

  deleteLease(id: number): void {
    this.stmt.delLease.run(id);
  }

  expiredLeases(now: number): number[] {
    return this.stmt.expired.all(now);
  }

  keysOfLease(id: number): string[] {
    return this.stmt.keysOfLease.all(id).map((k) => k.toString('utf8'));
  }

  close(): void {
    this.db.close();
  }
}
