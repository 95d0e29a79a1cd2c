export * from './contract.js';
export * from './compacted-error.js';
export {
  follow,
  rangeAll,
  DEFAULT_PAGE_SIZE,
  DEFAULT_RETRY,
  type Follower,
  type FollowOptions,
  type RetryPolicy,
} from './follow.js';
export { createMemoryStore } from './memory-store.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { openEtcdStore, type EtcdStoreOptions } from './etcd-open.js';
export { openStore, type StoreConfig } from './open-store.js';
export type { AutoCompaction } from './local-store.js';
