/**
 * The HA Store: etcd's v3 API through the etcd3 client, with the contract's semantics mapped one to one
 * (etcd is where the contract's conventions come from: revisions, create/mod revision, version, leases).
 *
 * Invariants and mapping:
 * - `revision` is etcd's header revision; reads return the header revision they were served at.
 * - Conditional writes are etcd txns comparing mod_revision (0 = absent, as in etcd).
 * - Pagination: range from `after + "\0"` (the smallest key after `after`) to the prefix end; a range at an
 *   earlier `revision` is etcd's own (its compacted error carries no compact revision).
 * - Lease ids are chosen by us below 2^53 so they are exact numbers (see `etcd-codec.ts`).
 * - Errors become Stevedore errors (`storeErrorFrom`); a compacted watch fails with CompactedError. A call
 *   that fails as unavailable asks every member how it is (etcd-health.ts, at most one probe a second),
 *   and when a majority is gone says so ("no quorum"), instead of naming the one connection that failed.
 */
import type { Etcd3 } from 'etcd3';
import { InvalidArgumentError, isUnavailable, UnavailableError } from '@stevedore/errors';
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
import { CompactedError } from './compacted-error.js';
import {
  BREAKER_HALF_OPEN_MS,
  compareToEtcd,
  kvFromEtcd,
  messageOf,
  opToEtcd,
  storeErrorFrom,
} from './etcd-codec.js';
import { probeEtcd, type EtcdTls } from './etcd-health.js';
import { grantEtcdLease } from './etcd-lease.js';
import { EtcdWatch } from './etcd-watch.js';
import { prefixEnd } from './key-order.js';
import {
  checkKey,
  checkPrefix,
  checkRangeOptions,
  checkRevision,
  checkTtl,
  checkTxn,
  futureRevision,
} from './validate.js';
import { deleteRequest, putRequest, writeResultOf } from './write-ops.js';

export class EtcdStore implements Store {
  readonly kind = 'etcd' as const;
  private readonly watches = new Set<EtcdWatch>();
  private closed = false;
  private lastProbe: { at: number; health: Promise<StoreHealth> } | undefined;

  constructor(
    private readonly client: Etcd3,
    private readonly endpoints: readonly string[],
    private readonly tls: EtcdTls = {},
  ) {}

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      try {
        return await fn();
      } catch (err) {
        // Every member's circuit breaker open: nothing was sent, so one try after they half-open is safe
        // (a member that came back answers it).
        if (!messageOf(err).includes('circuit breaker is open')) throw err;
        await new Promise((resolve) => setTimeout(resolve, BREAKER_HALF_OPEN_MS + 100));
        return await fn();
      }
    } catch (err) {
      const mapped = storeErrorFrom(err, what, this.endpoints);
      if (!isUnavailable(mapped)) throw mapped;
      const health = await this.probe();
      // A quorum (a passing failure), or no member answering at all: the mapped error names the endpoints
      // and the connection's reason, which says more than a count.
      if (health.quorum || !health.members.some((m) => m.reachable)) throw mapped;
      // A write that timed out is not known to have failed: the one member left may have logged it as
      // leader, and a majority back may commit it. Say so rather than let a client think it is gone.
      const unknown =
        what === 'txn'
          ? '; this write was not acknowledged, and may still be applied once a majority is back: read before retrying'
          : '';
      throw new UnavailableError(`${what}: ${health.message}${unknown}`, {
        cause: err,
        detail: {
          quorum: false,
          members: health.members.map((m) => ({ name: m.name, reachable: m.reachable })),
        },
      });
    }
  }

  /** One probe a second at most, shared by the calls failing at once. */
  private probe(): Promise<StoreHealth> {
    const now = Date.now();
    if (!this.lastProbe || now - this.lastProbe.at > 1000) {
      this.lastProbe = { at: now, health: probeEtcd(this.endpoints, this.tls) };
    }
    return this.lastProbe.health;
  }

  health(): Promise<StoreHealth> {
    return probeEtcd(this.endpoints, this.tls);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    checkKey(key);
    const res = await this.call(`get '${key}'`, () => this.client.kv.range({ key: Buffer.from(key) }));
    const kv = res.kvs[0];
    return kv && kvFromEtcd(kv);
  }

  async range(prefix: string, options: RangeOptions = {}): Promise<RangeResult> {
    checkPrefix(prefix);
    checkRangeOptions(options);
    const low = Buffer.from(prefix);
    const afterBound = options.after === undefined ? undefined : Buffer.from(options.after + '\0');
    const start = afterBound && Buffer.compare(afterBound, low) > 0 ? afterBound : low;
    const end = prefixEnd(low) ?? Buffer.from([0]);
    const at = options.revision;
    const res = await this.call(`range '${prefix}'`, async () => {
      try {
        return await this.client.kv.range({
          key: start.length === 0 ? Buffer.from([0]) : start,
          range_end: end,
          limit: options.limit ?? 0,
          ...(at === undefined ? {} : { revision: at }),
        });
      } catch (err) {
        if (at === undefined) throw err;
        const message = messageOf(err);
        if (message.includes('required revision has been compacted')) throw new CompactedError(at);
        if (message.includes('future revision')) throw futureRevision(at, err);
        throw err;
      }
    });
    return { kvs: res.kvs.map(kvFromEtcd), more: res.more, revision: Number(res.header.revision) };
  }

  async put(key: string, value: string, options: PutOptions = {}): Promise<WriteResult> {
    checkKey(key);
    return writeResultOf(await this.txn(putRequest(key, value, options)));
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<WriteResult> {
    checkKey(key);
    return writeResultOf(await this.txn(deleteRequest(key, options)));
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    checkTxn(request);
    const ops = request;
    const res = await this.call('txn', () =>
      this.client.kv.txn({
        compare: ops.compares.map(compareToEtcd),
        success: ops.success.map(opToEtcd),
        failure: (ops.failure ?? []).map(opToEtcd),
      }),
    );
    const applied = res.succeeded ? request.success : (request.failure ?? []);
    const results = applied.map((op, i) => {
      if (op.type !== 'get') return undefined;
      const kv = res.responses[i]?.response_range.kvs[0];
      return kv && kvFromEtcd(kv);
    });
    return { succeeded: res.succeeded, revision: Number(res.header.revision), results };
  }

  async revision(): Promise<number> {
    const res = await this.call('read the revision', () =>
      this.client.kv.range({ key: Buffer.from([0]), count_only: true }),
    );
    return Number(res.header.revision);
  }

  watch(prefix: string, options: WatchOptions = {}): Watch {
    checkPrefix(prefix);
    if (options.fromRevision !== undefined) checkRevision(options.fromRevision, 'fromRevision');
    const watch = new EtcdWatch(this.client, prefix, options.fromRevision, (w) => this.watches.delete(w));
    this.watches.add(watch);
    return watch.queue;
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    checkTtl(ttlSeconds);
    return grantEtcdLease(this.client, ttlSeconds, (what, fn) => this.call(what, fn));
  }

  async compact(revision: number): Promise<void> {
    checkRevision(revision, 'compaction revision');
    try {
      await this.client.kv.compact({ revision, physical: true });
    } catch (err) {
      const message = messageOf(err);
      // Already compacted at or past this revision: the history it would drop is gone already.
      if (message.includes('required revision has been compacted')) return;
      if (message.includes('future revision')) {
        throw new InvalidArgumentError(
          `cannot compact at revision ${revision}: it is newer than the current revision; pass an older one`,
          { cause: err, detail: { revision } },
        );
      }
      throw storeErrorFrom(err, `compact at ${revision}`, this.endpoints);
    }
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const watch of [...this.watches]) watch.queue.close();
      this.client.close();
    }
    return Promise.resolve();
  }
}
