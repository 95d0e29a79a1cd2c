/**
 * Fencing: writes that only land while a leadership term lasts. A leader can be deposed without knowing
 * it yet (a long GC pause, a partition): its abort signal fires late, and a write it sends meanwhile must
 * not land. `leaderTxn` adds a compare on the leader key's modRevision (the term's token: the key is never
 * rewritten during a term) to the caller's transaction, so the Store itself refuses a deposed leader.
 */
import { FailedPreconditionError, isFailedPrecondition } from '@stevedore/errors';
import type { Compare, Store, TxnRequest, TxnResult } from '@stevedore/store';
import { leaderKey } from './keys.js';

export interface LeaderTerm {
  /** The election, e.g. `registry-gc`. */
  readonly name: string;
  /** The leader key, `/leader/<name>`. */
  readonly key: string;
  /** Fencing token: the leader key's createRevision. Every later term has a larger one. */
  readonly token: number;
  /** Who holds the term (the contender id written into the key). */
  readonly contender: string;
  /** The lease the leader key is attached to. */
  readonly leaseId: number;
}

/** The compare that holds exactly while `term` lasts. */
export function termCompare(term: LeaderTerm): Compare {
  return { key: term.key, target: 'modRevision', equals: term.token };
}

/**
 * `store.txn(request)`, applied only while `term` is still the current one. When the term is over it
 * throws FailedPreconditionError (`isNotLeader(err)`); when only the caller's own compares failed it
 * answers like `store.txn` (succeeded false, the caller's failure ops' results).
 */
export async function leaderTxn(store: Store, term: LeaderTerm, request: TxnRequest): Promise<TxnResult> {
  const failure = request.failure ?? [];
  const result = await store.txn({
    compares: [termCompare(term), ...request.compares],
    success: request.success,
    failure: [...failure, { type: 'get', key: term.key }],
  });
  if (result.succeeded) return result;
  const leader = result.results[failure.length];
  if (leader?.modRevision !== term.token) throw notLeaderError(term, 'the write was refused');
  return { ...result, results: result.results.slice(0, failure.length) };
}

const NOT_LEADER = 'not-leader';

/**
 * The error for "this term is over": thrown by `leaderTxn`, and the abort reason of the leader's signal.
 * `why` says what happened (e.g. 'the lease expired').
 */
export function notLeaderError(term: LeaderTerm, why: string): FailedPreconditionError {
  return new FailedPreconditionError(
    `this process is no longer the leader of ${JSON.stringify(term.name)} (term ${term.token} is over: ` +
      `${why}); only the current leader may change what it owns`,
    { detail: { reason: NOT_LEADER, election: term.name, term: term.token } },
  );
}

/** True for the error `leaderTxn` throws, and the leader signal's abort reason, when the term is over. */
export function isNotLeader(err: unknown): boolean {
  return isFailedPrecondition(err) && (err as FailedPreconditionError).detail?.reason === NOT_LEADER;
}

export interface LeaderInfo {
  readonly contender: string;
  readonly token: number;
  /** When the term began (ISO 8601). */
  readonly since: string;
}

/** Who leads `name` now, for status pages (undefined while nobody does). */
export async function currentLeader(store: Store, name: string): Promise<LeaderInfo | undefined> {
  const kv = await store.get(leaderKey(name));
  if (!kv) return undefined;
  const value = parseLeaderValue(kv.value);
  return { contender: value.contender, since: value.since, token: kv.createRevision };
}

export interface LeaderValue {
  readonly contender: string;
  readonly since: string;
}

export function parseLeaderValue(raw: string): LeaderValue {
  try {
    const parsed = JSON.parse(raw) as Partial<LeaderValue>;
    return { contender: String(parsed.contender ?? 'unknown'), since: String(parsed.since ?? '') };
  } catch {
    // Somebody wrote the key by hand: still a holder, just not one of ours.
    return { contender: raw, since: '' };
  }
}
