/**
 * Test support shared by the leader and jobs suites: one shared Store state per case, on each
 * implementation, with other clients on it and a way for a child process to open it (for SIGKILL cases).
 *
 * The local stores are single-process: every contender of a case shares one Store object, and a child
 * process may only open the SQLite file while the parent has it closed (`sequential`), as a restarted
 * process would. etcd is shared for real: each `connect()` is its own client, and a child runs alongside.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, openEtcdStore, openSqliteStore, type Store } from '@stevedore/store';
import { startEtcd, type EtcdInstance } from '@stevedore/testkit';

export interface SharedStore {
  readonly store: Store;
  /** Another client on the same state (the local stores: the same object). */
  readonly connect: () => Promise<Store>;
  /** For the SIGKILL cases; absent for the memory store, which no other process can open. */
  readonly child?: {
    /** Arguments a child passes to `openChildStore`. */
    readonly args: readonly string[];
    /** True: close `store` before the child opens the state, then `reopen()` once it is dead. */
    readonly sequential: boolean;
    readonly reopen: () => Promise<Store>;
  };
  /** Closes every client this case opened. */
  readonly close: () => Promise<void>;
}

export interface StoreHarness {
  readonly name: string;
  /** Whether another process can open the state (every `SharedStore` then has `child`). */
  readonly crossProcess: boolean;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  open(): Promise<SharedStore>;
}

export function memoryHarness(): StoreHarness {
  return {
    name: 'memory',
    crossProcess: false,
    open: () => {
      const store = createMemoryStore();
      return Promise.resolve({ store, connect: () => Promise.resolve(store), close: () => store.close() });
    },
  };
}

export function sqliteHarness(): StoreHarness {
  let dir: string | undefined;
  let n = 0;
  return {
    name: 'sqlite',
    crossProcess: true,
    setup: () => {
      dir = mkdtempSync(join(tmpdir(), 'stevedore-leader-sqlite-'));
      return Promise.resolve();
    },
    teardown: () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
    open: () => {
      const path = join(dir!, `store-${++n}.db`);
      const opened: Store[] = [openSqliteStore({ path })];
      const shared: SharedStore = {
        store: opened[0]!,
        connect: () => Promise.resolve(opened.at(-1)!),
        child: {
          args: ['sqlite', path],
          sequential: true,
          reopen: () => {
            const store = openSqliteStore({ path });
            opened.push(store);
            return Promise.resolve(store);
          },
        },
        close: async () => {
          await Promise.all(opened.map((s) => s.close()));
        },
      };
      return Promise.resolve(shared);
    },
  };
}

export function etcdHarness(): StoreHarness {
  let etcd: EtcdInstance | undefined;
  return {
    name: 'etcd',
    crossProcess: true,
    setup: async () => {
      etcd = await startEtcd();
    },
    teardown: async () => {
      await etcd?.stop();
    },
    open: async () => {
      const endpoints = [etcd!.endpoint];
      const opened: Store[] = [await openEtcdStore({ endpoints })];
      const connect = async () => {
        const store = await openEtcdStore({ endpoints });
        opened.push(store);
        return store;
      };
      return {
        store: opened[0]!,
        connect,
        child: { args: ['etcd', etcd!.endpoint], sequential: false, reopen: connect },
        close: async () => {
          await Promise.all(opened.map((s) => s.close()));
        },
      };
    },
  };
}

/** In a child process: opens the store the parent described with `SharedStore.child.args`. */
export async function openChildStore(args: readonly string[]): Promise<Store> {
  const [kind, where] = args;
  if (kind === 'sqlite' && where) return openSqliteStore({ path: where });
  if (kind === 'etcd' && where) return openEtcdStore({ endpoints: [where] });
  throw new Error(`usage: <sqlite PATH | etcd ENDPOINT> ..., got ${args.join(' ')}`);
}
