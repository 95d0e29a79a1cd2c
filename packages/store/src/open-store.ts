/**
 * Opens the Store named by configuration: the one place that knows every implementation, so composition
 * roots (controller, registry, CLI) depend on this and the contract only.
 */
import { InvalidArgumentError } from '@stevedore/errors';
import type { Store } from './contract.js';
import { openEtcdStore, type EtcdStoreOptions } from './etcd-open.js';
import { createMemoryStore } from './memory-store.js';
import { openSqliteStore } from './sqlite-store.js';

export interface StoreConfig extends Partial<Omit<EtcdStoreOptions, 'endpoints'>> {
  readonly kind: 'memory' | 'sqlite' | 'etcd';
  /** sqlite: the database file. */
  readonly path?: string;
  /** etcd: client URLs. */
  readonly endpoints?: readonly string[];
}

export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case 'memory':
      return createMemoryStore();
    case 'sqlite':
      if (!config.path) {
        throw new InvalidArgumentError(
          "store kind 'sqlite' needs a path: set store.path to the database file, e.g. /var/lib/stevedore/store.db",
          { detail: { field: 'store.path' } },
        );
      }
      return openSqliteStore({ path: config.path });
    case 'etcd': {
      const { endpoints, path: _path, kind: _kind, ...tls } = config;
      if (!endpoints || endpoints.length === 0) {
        throw new InvalidArgumentError(
          "store kind 'etcd' needs endpoints: set store.endpoints to the etcd client URLs, e.g. ['https://10.0.0.1:2379']",
          { detail: { field: 'store.endpoints' } },
        );
      }
      return openEtcdStore({ ...tls, endpoints });
    }
    default:
      throw new InvalidArgumentError(
        `unknown store kind '${String((config as { kind: unknown }).kind)}'; use 'memory', 'sqlite' or 'etcd'`,
        { detail: { field: 'store.kind' } },
      );
  }
}
