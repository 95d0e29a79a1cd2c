/**
 * A `LocalBackend` in plain Maps, for unit tests: fast, nothing on disk, everything lost on close.
 *
 * Key order: a sorted key array is rebuilt lazily after a key is added or removed (not on updates), which
 * keeps ranges cheap for the read-mostly sizes unit tests use.
 */
import type { KeyValue, WatchEvent } from './contract.js';
import { compareKeys } from './key-order.js';
import type { LocalBackend, StoredLease } from './local-backend.js';

export class MemoryBackend implements LocalBackend {
  readonly kind = 'memory' as const;
  private readonly kvs = new Map<string, KeyValue>();
  private sorted: string[] | undefined = [];
  private log: WatchEvent[] = [];
  private rev = 1;
  private compacted = 0;
  private readonly leases = new Map<number, StoredLease>();
  private nextLease = 1;

  atomically<T>(fn: () => T): T {
    return fn();
  }

  revision(): number {
    return this.rev;
  }

  compactRevision(): number {
    return this.compacted;
  }

  get(key: string): KeyValue | undefined {
    return this.kvs.get(key);
  }

  range(prefix: string, after: string | undefined, limit: number): { kvs: KeyValue[]; more: boolean } {
    this.sorted ??= [...this.kvs.keys()].sort(compareKeys);
    const keys = this.sorted;
    // Binary search for the first key > after (or >= prefix).
    const start = after !== undefined && compareKeys(after, prefix) >= 0 ? after : prefix;
    const inclusive = start !== after;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(keys[mid]!, start);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    const kvs: KeyValue[] = [];
    for (let i = lo; i < keys.length && keys[i]!.startsWith(prefix); i++) {
      if (limit > 0 && kvs.length === limit) return { kvs, more: true };
      kvs.push(this.kvs.get(keys[i]!)!);
    }
    return { kvs, more: false };
  }

  putKey(kv: KeyValue): void {
    if (!this.kvs.has(kv.key)) this.sorted = undefined;
    this.kvs.set(kv.key, kv);
  }

  deleteKey(key: string): void {
    if (this.kvs.delete(key)) this.sorted = undefined;
  }

  commit(revision: number, events: readonly WatchEvent[]): void {
    this.log.push(...events);
    this.rev = revision;
  }

  history(prefix: string, from: number): WatchEvent[] {
    return this.log.filter(
      (e) => e.revision >= from && (e.type === 'put' ? e.kv.key : e.key).startsWith(prefix),
    );
  }

  compact(revision: number): void {
    this.log = this.log.filter((e) => e.revision >= revision);
    this.compacted = revision;
  }

  createLease(ttlSeconds: number, expiresAt: number): number {
    const id = this.nextLease++;
    this.leases.set(id, { id, ttlSeconds, expiresAt });
    return id;
  }

  getLease(id: number): StoredLease | undefined {
    return this.leases.get(id);
  }

  setLeaseExpiry(id: number, expiresAt: number): void {
    const lease = this.leases.get(id);
    if (lease) this.leases.set(id, { ...lease, expiresAt });
  }

  deleteLease(id: number): void {
    this.leases.delete(id);
  }

  expiredLeases(now: number): number[] {
    return [...this.leases.values()].filter((l) => l.expiresAt <= now).map((l) => l.id);
  }

  keysOfLease(id: number): string[] {
    return [...this.kvs.values()].filter((kv) => kv.lease === id).map((kv) => kv.key);
  }

  close(): void {
    this.kvs.clear();
    this.log = [];
  }
}
