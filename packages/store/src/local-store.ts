/**
 * The Store over a synchronous `LocalBackend`: the memory and SQLite stores are this class with different
 * backends. Every operation runs to completion synchronously (inside `backend.atomically` when it writes),
 * which is what makes transactions atomic and watches gap-free without locks.
 *
 * Invariants:
 * - Watch events of a commit are published only after the commit returned (for SQLite: after fsync), so a
 *   watcher never sees a change that a crash could undo.
 * - The lease sweep and auto-compaction timers are unref'd and cleared by `close()`.
 */
import { InvalidArgumentError, NotFoundError, UnavailableError } from '@stevedore/errors';
import type {
  DeleteOptions,
  KeyValue,
  Lease,
  PutOptions,
  RangeOptions,
  RangeResult,
  Store,
  StoreHealth,
  TxnRequest,
  TxnResult,
  Watch,
  WatchOptions,
  WriteResult,
} from './contract.js';
import type { LocalBackend } from './local-backend.js';
import { checkUnchangedSince } from './local-range.js';
import { applyTxn, dropLease, leaseIsLive } from './local-txn.js';
import { checkKey, checkPrefix, checkRangeOptions, checkRevision, checkTtl, checkTxn } from './validate.js';
import { WatchHub } from './watch-hub.js';
import { deleteRequest, putRequest, writeResultOf } from './write-ops.js';

/** How often expired leases are looked for; a lease outlives its TTL by at most about this much. */
const LEASE_SWEEP_MS = 100;

export interface AutoCompaction {
  /** Keep at least this many revisions of history for watchers to resume from. */
  readonly keepRevisions: number;
  /** How often to compact. */
  readonly everyMs: number;
}

export class LocalStore implements Store {
  readonly kind: 'memory' | 'sqlite';
  private readonly hub: WatchHub;
  private readonly sweeper: NodeJS.Timeout;
  private readonly compactor: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly backend: LocalBackend,
    autoCompaction?: AutoCompaction,
  ) {
    this.kind = backend.kind;
    this.hub = new WatchHub(backend);
    this.sweeper = setInterval(() => this.sweepLeases(), LEASE_SWEEP_MS);
    this.sweeper.unref();
    if (autoCompaction) {
      const { keepRevisions, everyMs } = autoCompaction;
      this.compactor = setInterval(() => this.autoCompact(keepRevisions), everyMs);
      this.compactor.unref();
    }
  }

  private open(): LocalBackend {
    if (this.closed) throw new UnavailableError(`the ${this.kind} store is closed; open it again to use it`);
    return this.backend;
  }

  get(key: string): Promise<KeyValue | undefined> {
    return settle(() => {
      checkKey(key);
      return this.open().get(key);
    });
  }

  range(prefix: string, options: RangeOptions = {}): Promise<RangeResult> {
    return settle(() => {
      checkPrefix(prefix);
      checkRangeOptions(options);
      const backend = this.open();
      return backend.atomically(() => {
        if (options.revision !== undefined)
          checkUnchangedSince(backend, prefix, options.after, options.revision);
        const { kvs, more } = backend.range(prefix, options.after, options.limit ?? 0);
        return { kvs, more, revision: backend.revision() };
      });
    });
  }

  async put(key: string, value: string, options: PutOptions = {}): Promise<WriteResult> {
    checkKey(key);
    return writeResultOf(await this.txn(putRequest(key, value, options)));
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<WriteResult> {
    checkKey(key);
    return writeResultOf(await this.txn(deleteRequest(key, options)));
  }

  txn(request: TxnRequest): Promise<TxnResult> {
    return settle(() => {
      checkTxn(request);
      const backend = this.open();
      const { result, events } = backend.atomically(() => applyTxn(backend, request, Date.now()));
      if (events.length > 0) this.hub.publish(events);
      return result;
    });
  }

  revision(): Promise<number> {
    return settle(() => this.open().revision());
  }

  watch(prefix: string, options: WatchOptions = {}): Watch {
    checkPrefix(prefix);
    if (options.fromRevision !== undefined) checkRevision(options.fromRevision, 'fromRevision');
    this.open();
    return this.hub.open(prefix, options.fromRevision);
  }

  grantLease(ttlSeconds: number): Promise<Lease> {
    return settle(() => {
      checkTtl(ttlSeconds);
      const id = this.open().createLease(ttlSeconds, Date.now() + ttlSeconds * 1000);
      return {
        id,
        ttlSeconds,
        keepAlive: () => this.keepAlive(id, ttlSeconds),
        revoke: () => this.revoke(id),
      };
    });
  }

  private keepAlive(id: number, ttlSeconds: number): Promise<void> {
    return settle(() => {
      const b = this.open();
      b.atomically(() => {
        if (!leaseIsLive(b, id, Date.now())) throw leaseGone(id);
        b.setLeaseExpiry(id, Date.now() + ttlSeconds * 1000);
      });
    });
  }

  private revoke(id: number): Promise<void> {
    return settle(() => {
      const b = this.open();
      const events = b.atomically(() => {
        if (!b.getLease(id)) throw leaseGone(id);
        return dropLease(b, id);
      });
      if (events.length > 0) this.hub.publish(events);
    });
  }

  compact(revision: number): Promise<void> {
    return settle(() => {
      checkRevision(revision, 'compaction revision');
      const backend = this.open();
      backend.atomically(() => {
        const current = backend.revision();
        if (revision > current) {
          throw new InvalidArgumentError(
            `cannot compact at revision ${revision}: the current revision is ${current}; pass a revision <= ${current}`,
            { detail: { revision, current } },
          );
        }
        if (revision > backend.compactRevision()) backend.compact(revision);
      });
    });
  }

  /** Without it the history grows forever; with it a watcher further behind gets CompactedError. */
  private autoCompact(keepRevisions: number): void {
    if (this.closed) return;
    const target = this.backend.revision() - keepRevisions;
    if (target > this.backend.compactRevision()) this.backend.atomically(() => this.backend.compact(target));
  }

  private sweepLeases(): void {
    if (this.closed) return;
    const backend = this.backend;
    for (const id of backend.expiredLeases(Date.now())) {
      const events = backend.atomically(() => dropLease(backend, id));
      if (events.length > 0) this.hub.publish(events);
    }
  }

  health(): Promise<StoreHealth> {
    const up = !this.closed;
    return Promise.resolve({
      kind: this.kind,
      quorum: up,
      ...(up ? { leader: 'local' } : {}),
      members: [{ name: 'local', endpoint: this.kind, reachable: up, leader: up }],
      message: up
        ? `one embedded ${this.kind} store in this process (no other member to lose)`
        : `the ${this.kind} store is closed`,
    });
  }

  close(): Promise<void> {
    return settle(() => {
      if (this.closed) return;
      this.closed = true;
      clearInterval(this.sweeper);
      clearInterval(this.compactor);
      this.hub.closeAll();
      this.backend.close();
    });
  }
}

/** Runs synchronous work as a promise, so a thrown error becomes a rejection like in the async stores. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function leaseGone(id: number): NotFoundError {
  return new NotFoundError(
    `lease ${id} has expired or was revoked; grant a new lease and re-attach its keys`,
    {
      detail: { lease: id },
    },
  );
}
