/**
 * The embedded default Store: the local core over one SQLite file (see `sqlite-backend.ts`). Opening a file
 * that holds data resumes at its revision; leases that expired while the process was down are swept at once.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidArgumentError, UnavailableError } from '@stevedore/errors';
import type { Store } from './contract.js';
import { type AutoCompaction, LocalStore } from './local-store.js';
import { SqliteBackend } from './sqlite-backend.js';

export interface SqliteStoreOptions {
  /** The database file; its directory is created if missing. */
  readonly path: string;
  /**
   * Drop old history periodically (kine's default is alike: keep 1000 revisions, every 5 minutes).
   * Default: keep 10000 revisions, every 5 minutes; `false` keeps all history.
   */
  readonly autoCompaction?: AutoCompaction | false;
}

const DEFAULT_AUTO_COMPACTION: AutoCompaction = { keepRevisions: 10_000, everyMs: 5 * 60_000 };

export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (typeof options.path !== 'string' || options.path.length === 0) {
    throw new InvalidArgumentError(
      'the sqlite store needs a file path, e.g. { path: "/var/lib/stevedore/store.db" }',
      {
        detail: { field: 'path' },
      },
    );
  }
  let backend: SqliteBackend;
  try {
    mkdirSync(dirname(options.path), { recursive: true });
    backend = new SqliteBackend(options.path);
  } catch (err) {
    throw new UnavailableError(
      `cannot open the sqlite store at ${options.path}: ${(err as Error).message}. ` +
        'Check that the directory is writable and the file is a Stevedore store.',
      { cause: err, detail: { path: options.path } },
    );
  }
  const auto = options.autoCompaction ?? DEFAULT_AUTO_COMPACTION;
  return new LocalStore(backend, auto === false ? undefined : auto);
}
