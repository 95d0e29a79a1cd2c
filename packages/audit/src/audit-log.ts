/**
 * The append-only audit log: who did what, to what, when, from where, and how it ended.
 *
 * Entries live in the Store under `/audit/<15-digit epoch ms>-<8 hex>`, so keys sort by time and a query
 * for a time window is a range read starting at the window's first key. Appends are conditional on the
 * key being absent, so an entry is never overwritten; nothing in Stevedore deletes or updates entries.
 * Filters other than time (actor, action, result) are applied while paging through the window.
 *
 * Entries must never hold secrets: callers pass what was acted on, never request bodies.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '@stevedore/errors';
import type { Store } from '@stevedore/store';

export const AUDIT_PREFIX = '/audit/';
const PREFIX = AUDIT_PREFIX;

export interface AuditRecord {
  /** The account that acted, or `anonymous` (e.g. a failed login names the attempted user in `target`). */
  readonly actor: string;
  /** What was done, e.g. `user.create`, `grant.delete`, `container.exec`. */
  readonly action: string;
  /** What it was done to, e.g. `user:bob`, `grant:g1`, `/Shared/dev`. */
  readonly target: string;
  readonly remoteAddress: string;
  readonly result: 'success' | 'failure';
  /** HTTP status of the answer. */
  readonly status: number;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditEntry extends AuditRecord {
  readonly id: string;
  readonly time: string;
}

export interface AuditQuery {
  readonly actor?: string;
  readonly action?: string;
  readonly result?: 'success' | 'failure';
  readonly since?: string;
  readonly until?: string;
  /** The id of the last entry of the previous page. */
  readonly after?: string;
  readonly limit?: number;
}

export interface AuditPage {
  readonly items: AuditEntry[];
  /** Pass as `after` to read the next page; null when there is none. */
  readonly next: string | null;
}

export function auditKeyTime(ms: number): string {
  return String(ms).padStart(15, '0');
}

function parseTime(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError(`${field} must be an ISO 8601 time`, { detail: { field } });
  return ms;
}

export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async append(record: AuditRecord): Promise<AuditEntry> {
    for (;;) {
      const ms = this.now();
      const id = `${auditKeyTime(ms)}-${randomBytes(4).toString('hex')}`;
      const entry: AuditEntry = { id, time: new Date(ms).toISOString(), ...record };
      const { ok } = await this.store.put(PREFIX + id, JSON.stringify(entry), { ifModRevision: 0 });
      if (ok) return entry;
      // 1 in 4 billion per millisecond: try another random suffix.
    }
  }

  async query(q: AuditQuery = {}): Promise<AuditPage> {
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new InvalidArgumentError('limit must be a whole number from 1 to 1000', {
        detail: { field: 'limit' },
      });
    }
    const sinceKey = q.since === undefined ? undefined : `${auditKeyTime(parseTime(q.since, 'since'))}`;
    const untilMs = q.until === undefined ? Infinity : parseTime(q.until, 'until');
    // Start after the caller's cursor or just before the window; whichever is later.
    let after = [q.after, sinceKey === undefined ? undefined : `${sinceKey}-`]
      .filter((k): k is string => k !== undefined)
      .map((k) => PREFIX + k)
      .sort()
      .pop();
    const items: AuditEntry[] = [];
    for (;;) {
      const page = await this.store.range(PREFIX, { ...(after ? { after } : {}), limit: 500 });
      for (const kv of page.kvs) {
        after = kv.key;
        const entry = JSON.parse(kv.value) as AuditEntry;
        if (Date.parse(entry.time) > untilMs) return { items, next: null };
        if (q.actor !== undefined && entry.actor !== q.actor) continue;
        if (q.action !== undefined && entry.action !== q.action) continue;
        if (q.result !== undefined && entry.result !== q.result) continue;
        items.push(entry);
        if (items.length === limit) return { items, next: entry.id };
      }
      if (!page.more) return { items, next: null };
    }
  }
}
