/**
 * The synchronous storage seam under the memory and SQLite stores. `LocalStore` does all of the Store
 * semantics (revisions, txn evaluation, watches, leases); a backend only keeps rows.
 *
 * Invariants a backend keeps:
 * - Everything a function passed to `atomically` writes becomes visible and durable together, or not at all
 *   (SQLite: one transaction; memory: the core validates before it writes, so nothing throws half-way).
 * - `range` and `history` return keys in bytewise UTF-8 order and events in (revision, index) order.
 * - `revision()` starts at 1 for an empty store; `compactRevision()` at 0.
 */
import type { KeyValue, WatchEvent } from './contract.js';

export interface StoredLease {
  readonly id: number;
  readonly ttlSeconds: number;
  /** Wall-clock expiry in ms since the epoch (wall clock so it survives a restart of the SQLite store). */
  readonly expiresAt: number;
}

export interface LocalBackend {
  readonly kind: 'memory' | 'sqlite';
  atomically<T>(fn: () => T): T;

  revision(): number;
  compactRevision(): number;

  get(key: string): KeyValue | undefined;
  /** Keys starting with `prefix` and greater than `after`, at most `limit` (0 = all); `more` if others follow. */
  range(prefix: string, after: string | undefined, limit: number): { kvs: KeyValue[]; more: boolean };

  putKey(kv: KeyValue): void;
  deleteKey(key: string): void;
  /** Appends one committed revision's events to the history and makes `revision` the current one. */
  commit(revision: number, events: readonly WatchEvent[]): void;
  /** Events with revision >= `from` under `prefix`, oldest first. */
  history(prefix: string, from: number): WatchEvent[];
  /** Drops history before `revision` and records it as the compaction point. */
  compact(revision: number): void;

  createLease(ttlSeconds: number, expiresAt: number): number;
  getLease(id: number): StoredLease | undefined;
  setLeaseExpiry(id: number, expiresAt: number): void;
  deleteLease(id: number): void;
  expiredLeases(now: number): number[];
  keysOfLease(id: number): string[];

  close(): void;
}
