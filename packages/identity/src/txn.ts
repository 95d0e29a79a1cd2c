/**
 * Optimistic transactions over the Store: read, decide, then commit with compares on everything the
 * decision rested on; when a compare fails someone else wrote first, so read and decide again.
 *
 * The "pin" convention that keeps references whole across both identity and access: creating a record that
 * refers to another (a team member → the team, the org and the user; a grant → its subject, role and
 * collection) *touches* the referenced record (rewrites it unchanged, so its modRevision moves). Deleting a
 * record reads its dependents and commits only if its own modRevision has not moved. So a member added to a
 * team that is being deleted makes the delete retry and see (and remove) the new member, or the add fail.
 */
import { ConflictError } from '@stevedore/errors';
import type { Compare, KeyValue, Op, Store } from '@stevedore/store';

export class TxnBuilder {
  private readonly compareByKey = new Map<string, Compare>();
  private readonly opByKey = new Map<string, Op>();

  /** Commit only if `key` still has this modRevision (0: still absent). */
  expect(key: string, modRevision: number): this {
    this.compareByKey.set(key, { key, target: 'modRevision', equals: modRevision });
    return this;
  }

  /** Commit only if the key is as it was read (`undefined`: absent). */
  expectUnchanged(key: string, kv: KeyValue | undefined): this {
    return this.expect(key, kv?.modRevision ?? 0);
  }

  put(key: string, value: string): this {
    this.opByKey.set(key, { type: 'put', key, value });
    return this;
  }

  delete(key: string): this {
    this.opByKey.set(key, { type: 'delete', key });
    return this;
  }

  /** Pins a record this transaction depends on (see the module comment). */
  touch(kv: KeyValue): this {
    this.expect(kv.key, kv.modRevision);
    if (!this.opByKey.has(kv.key)) this.put(kv.key, kv.value);
    return this;
  }

  writes(key: string): boolean {
    return this.opByKey.has(key);
  }

  get compares(): readonly Compare[] {
    return [...this.compareByKey.values()];
  }

  get ops(): readonly Op[] {
    return [...this.opByKey.values()];
  }
}

/** Commits; the new revision, or undefined when a compare failed (someone wrote first). */
export async function commit(store: Store, txn: TxnBuilder): Promise<number | undefined> {
  const result = await store.txn({ compares: txn.compares, success: txn.ops });
  return result.succeeded ? result.revision : undefined;
}

const MAX_ATTEMPTS = 25;

/**
 * Runs `attempt` until it returns a value (not undefined). Domain errors thrown by `attempt` end the loop;
 * undefined means "lost a race, read again".
 */
export async function retrying<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const result = await attempt();
    if (result !== undefined) return result;
  }
  throw new ConflictError(`could not ${what}: the records changed concurrently too often; try again`);
}

/** What every write returns: the value written and the Store revision it was committed at. */
export interface Written<T> {
  readonly value: T;
  readonly revision: number;
}
