/**
 * The Store contract: the one place where cluster state lives (k3s/kine's idea: one contract, an embedded
 * SQLite implementation for one node, etcd for HA).
 *
 * Invariants every implementation keeps (checked by `conformance.ts`, run against each of them):
 * - One cluster-wide `revision`, starting at 1 for an empty store (etcd's convention), that increases by
 *   exactly one per committed transaction that changes something. Every op of one transaction shares it.
 *   A read-only or failed transaction does not advance it.
 * - A key's `modRevision` is the revision of its last change, `createRevision` that of its creation since it
 *   last did not exist, `version` counts changes since creation (1 on create). Deleting resets all three.
 * - Transactions are atomic: all compares are evaluated and either every success op or every failure op
 *   is applied, with no interleaving of another writer.
 * - Watch delivers every change under a prefix, from a given revision, in commit order, with no gap and no
 *   duplicate; asking for a revision older than the compaction point fails with `CompactedError`.
 * - A range at an earlier `revision` returns the keys as they were then, or fails with `CompactedError`.
 * - A key attached to a lease is deleted (with a delete event) when the lease expires or is revoked.
 * - Keys and values are UTF-8 strings; keys are compared bytewise (etcd's order).
 */

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  /** Lease id the key is attached to, or 0 when none. */
  readonly lease: number;
}

export interface RangeOptions {
  /** Return keys strictly greater than this one (for pagination: pass the last key of the previous page). */
  readonly after?: string;
  /** At most this many keys; 0 or absent means no limit. */
  readonly limit?: number;
  /**
   * Read as of this revision instead of the current one, so the pages of one listing show one state: pass
   * the first page's `revision` to the next pages (Kubernetes' paginated LIST does the same). Fails with
   * CompactedError when that state is no longer available (etcd: compacted; the memory and SQLite stores keep
   * no old versions of keys, so for them any change inside the requested range after `revision` counts as
   * compacted), and with InvalidArgument for a revision newer than the current one.
   */
  readonly revision?: number;
}

export interface RangeResult {
  readonly kvs: readonly KeyValue[];
  /** True when more keys under the prefix follow the last one returned. */
  readonly more: boolean;
  /** The store's revision when the page was read (the current one, also when `revision` was asked for). */
  readonly revision: number;
}

export type Compare =
  /** Holds when the key's modRevision equals `modRevision`; 0 means "the key does not exist". */
  | { readonly key: string; readonly target: 'modRevision'; readonly equals: number }
  /** Holds when the key exists and its value equals `value`. */
  | { readonly key: string; readonly target: 'value'; readonly equals: string };

export type Op =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: number }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'get'; readonly key: string };

export interface TxnRequest {
  readonly compares: readonly Compare[];
  readonly success: readonly Op[];
  readonly failure?: readonly Op[];
}

export interface TxnResult {
  readonly succeeded: boolean;
  /** The store's revision after the transaction (the new one if it wrote, else the current one). */
  readonly revision: number;
  /** One entry per applied op: for `get` the key-value or undefined; for put/delete undefined. */
  readonly results: readonly (KeyValue | undefined)[];
}

export interface PutOptions {
  /** Write only if the key's current modRevision equals this; 0 means "only if absent". */
  readonly ifModRevision?: number;
  readonly lease?: number;
}

export interface DeleteOptions {
  readonly ifModRevision?: number;
}

/** The outcome of a conditional put/delete: `ok` false when the condition did not hold (nothing written). */
export interface WriteResult {
  readonly ok: boolean;
  readonly revision: number;
}

export type WatchEvent =
  | { readonly type: 'put'; readonly kv: KeyValue; readonly revision: number }
  | { readonly type: 'delete'; readonly key: string; readonly revision: number };

export interface WatchOptions {
  /** Deliver changes with revision >= this. Absent: only changes after the watch starts. */
  readonly fromRevision?: number;
}

export interface Watch extends AsyncIterable<WatchEvent> {
  /** Stop the watch; the iterator then finishes. */
  close(): void;
}

export interface Lease {
  readonly id: number;
  readonly ttlSeconds: number;
  /** Renew the lease once; fails with NotFound when it has already expired or been revoked. */
  keepAlive(): Promise<void>;
  /** Revoke now: every key attached to it is deleted in one revision. */
  revoke(): Promise<void>;
}

/** One member of the Store's cluster, as `health()` found it. */
export interface StoreMemberHealth {
  readonly name: string;
  readonly endpoint: string;
  readonly reachable: boolean;
  /** The member a majority follows. */
  leader: boolean;
  /** Why it did not answer. */
  readonly error?: string;
}

export interface StoreHealth {
  readonly kind: Store['kind'];
  /** Writes can commit: for etcd, a majority of members answer and follow one leader. */
  readonly quorum: boolean;
  /** The leading member's name, when there is a quorum. */
  readonly leader?: string;
  readonly members: readonly StoreMemberHealth[];
  /** One line for an operator. */
  readonly message: string;
}

export interface Store {
  /** Which implementation this is, for logs and `stevedore status`. */
  readonly kind: 'memory' | 'sqlite' | 'etcd';
  get(key: string): Promise<KeyValue | undefined>;
  range(prefix: string, options?: RangeOptions): Promise<RangeResult>;
  put(key: string, value: string, options?: PutOptions): Promise<WriteResult>;
  delete(key: string, options?: DeleteOptions): Promise<WriteResult>;
  txn(request: TxnRequest): Promise<TxnResult>;
  /** The current cluster-wide revision. */
  revision(): Promise<number>;
  watch(prefix: string, options?: WatchOptions): Watch;
  grantLease(ttlSeconds: number): Promise<Lease>;
  /** How the Store's members are doing; answers (never throws) also when the Store cannot serve. */
  health(): Promise<StoreHealth>;
  /** Forget history before `revision`; watches from older revisions then fail with CompactedError. */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
