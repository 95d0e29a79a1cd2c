/**
 * Audit entries for high-rate callers (the Docker API proxy audits every Engine API call): records are
 * queued and written together, up to 100 per Store transaction (etcd's default limit is 128 operations),
 * at most `maxDelayMs` after they were added, so a busy proxy makes tens of commits a second rather than
 * one per call. Entries get their time when added, so their order and timestamps are the calls' own.
 *
 * Trade-off: an entry can be lost if the process dies within `maxDelayMs` of the call. The REST API, whose
 * calls change accounts and grants, keeps writing each entry before it answers (AuditLog.append).
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '@stevedore/store';
import { AUDIT_PREFIX, auditKeyTime, type AuditEntry, type AuditRecord } from './audit-log.js';

const MAX_BATCH = 100;

export interface AuditBatcherOptions {
  readonly maxDelayMs?: number;
  readonly now?: () => number;
  readonly onError?: (err: unknown) => void;
}

export class AuditBatcher {
  private queue: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private sequence = 0;
  private readonly maxDelayMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly options: AuditBatcherOptions = {},
  ) {
    this.maxDelayMs = options.maxDelayMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  add(record: AuditRecord): void {
    const ms = this.now();
    // A counter first, so entries of one millisecond keep their order; random bytes after it, so two
    // replicas writing in the same millisecond do not collide.
    this.sequence = (this.sequence + 1) % 0x10000;
    const id = `${auditKeyTime(ms)}-${this.sequence.toString(16).padStart(4, '0')}${randomBytes(2).toString('hex')}`;
    this.queue.push({ id, time: new Date(ms).toISOString(), ...record });
    if (this.queue.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs);
  }

  /** Writes everything queued so far; resolves when it is in the Store. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.writing.then(async () => {
      for (let i = 0; i < batch.length; i += MAX_BATCH) {
        await this.write(batch.slice(i, i + MAX_BATCH)).catch((err: unknown) => this.options.onError?.(err));
      }
    });
    return this.writing;
  }

  private async write(entries: readonly AuditEntry[]): Promise<void> {
    const keys = entries.map((e) => AUDIT_PREFIX + e.id);
    const { succeeded } = await this.store.txn({
      compares: keys.map((key) => ({ key, target: 'modRevision', equals: 0 })),
      success: entries.map((e, i) => ({ type: 'put', key: keys[i]!, value: JSON.stringify(e) })),
    });
    // A random suffix collided with an existing entry (1 in 4 billion per ms): write one by one instead.
    if (!succeeded) {
      for (const [i, e] of entries.entries())
        await this.store.put(keys[i]!, JSON.stringify(e), { ifModRevision: 0 });
    }
  }
}
