/**
 * Ranges of the local (memory, SQLite) stores as of an earlier revision. Their backends keep the current keys
 * and a log of changes, not old versions of keys, so a page can be served at `revision` only when nothing
 * it could contain changed since: then the current keys are the keys as they were. Otherwise the range fails
 * with CompactedError naming the revision from which it can be read (its last change), and the caller
 * re-reads at the current revision — what it does after a compaction anyway.
 */
import { CompactedError } from './compacted-error.js';
import { compareKeys } from './key-order.js';
import type { LocalBackend } from './local-backend.js';
import { futureRevision } from './validate.js';

/** Throws unless the keys under `prefix` after `after` are now what they were at `revision`. */
export function checkUnchangedSince(
  backend: LocalBackend,
  prefix: string,
  after: string | undefined,
  revision: number,
): void {
  const current = backend.revision();
  if (revision > current) throw futureRevision(revision);
  if (revision === current) return;
  const compacted = backend.compactRevision();
  if (revision < compacted) throw new CompactedError(revision, compacted);
  let last: number | undefined;
  for (const event of backend.history(prefix, revision + 1)) {
    const key = event.type === 'put' ? event.kv.key : event.key;
    if (after === undefined || compareKeys(key, after) > 0) last = event.revision;
  }
  if (last !== undefined) throw new CompactedError(revision, last);
}
