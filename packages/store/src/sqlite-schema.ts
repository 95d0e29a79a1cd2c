/**
 * The SQLite store's tables and row mapping (see `sqlite-backend.ts` for the layout and why keys are BLOBs).
 * Schema changes must stay additive (`IF NOT EXISTS`, new columns with defaults): files outlive versions.
 */
import type { KeyValue, WatchEvent } from './contract.js';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 1), ('compact_revision', 0);
CREATE TABLE IF NOT EXISTS kv (
  key BLOB PRIMARY KEY,
  value TEXT NOT NULL,
  create_rev INTEGER NOT NULL,
  mod_rev INTEGER NOT NULL,
  version INTEGER NOT NULL,
  lease INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_by_lease ON kv (lease) WHERE lease <> 0;
CREATE TABLE IF NOT EXISTS log (
  rev INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  type INTEGER NOT NULL, -- 0 put, 1 delete
  key BLOB NOT NULL,
  value TEXT,
  create_rev INTEGER,
  version INTEGER,
  lease INTEGER,
  PRIMARY KEY (rev, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lease (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ttl INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS lease_by_expiry ON lease (expires_at);
`;

export interface KvRow {
  key: Buffer;
  value: string;
  create_rev: number;
  mod_rev: number;
  version: number;
  lease: number;
}

export interface LogRow {
  rev: number;
  type: number;
  key: Buffer;
  value: string | null;
  create_rev: number | null;
  version: number | null;
  lease: number | null;
}

export function kvFromRow(row: KvRow): KeyValue {
  return {
    key: row.key.toString('utf8'),
    value: row.value,
    createRevision: row.create_rev,
    modRevision: row.mod_rev,
    version: row.version,
    lease: row.lease,
  };
}

export function eventFromRow(row: LogRow): WatchEvent {
  const key = row.key.toString('utf8');
  if (row.type === 1) return { type: 'delete', key, revision: row.rev };
  return {
    type: 'put',
    revision: row.rev,
    kv: {
      key,
      value: row.value ?? '',
      createRevision: row.create_rev ?? row.rev,
      modRevision: row.rev,
      version: row.version ?? 1,
      lease: row.lease ?? 0,
    },
  };
}
