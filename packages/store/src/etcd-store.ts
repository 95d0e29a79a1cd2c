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
 * - Errors become Stevedore errors (`storeErrorFrom`); a compacted watch fails with CompactedError.
 */
import type { Etcd3 } from 'etcd3';
import { InvalidArgumentError } from '@stevedore/errors';
import type {
  DeleteOptions,
  KeyValue,
  Lease,
  PutOptions,
  RangeOptions,
  RangeResult,
  Store,
  TxnRequest,
  TxnResult,
  Watch,
  WatchOptions,
  WriteResult,
} from './contract.js';
import { CompactedError } from './compacted-error.js';
import { compareToEtcd, kvFromEtcd, messageOf, opToEtcd, storeErrorFrom } from './etcd-codec.js';
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

  constructor(
    private readonly client: Etcd3,
    private readonly endpoints: readonly string[],
  ) {}

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw storeErrorFrom(err, what, this.endpoints);
    }
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
