/**
 * The Store key layout of leader election.
 *
 * ```
 * /leader/
 *   <name>    { contender, since }: attached to the leader's lease, so it disappears when the leader dies.
 *             Its createRevision is the term's fencing token; it is never rewritten during a term, so
 *             modRevision === createRevision while the term lasts.
 * ```
 *
 * Names never contain `/`, so `/leader/<name>` is one key; since a prefix watch of `/leader/a` also sees
 * `/leader/ab`, watchers compare the exact key.
 */
import { InvalidArgumentError } from '@stevedore/errors';

export const LEADER_PREFIX = '/leader/';

const NAME = /^[a-z0-9][a-z0-9._@-]{0,127}$/;

/** Throws InvalidArgumentError unless `name` is a valid election name. */
export function checkElectionName(name: string, field = 'name'): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidArgumentError(
      `${field} ${JSON.stringify(name)} is not a valid election name: use 1-128 lower-case letters, digits, ` +
        `'.', '_', '@' or '-', starting with a letter or digit (e.g. 'registry-gc')`,
      { detail: { field } },
    );
  }
}

export function leaderKey(name: string): string {
  checkElectionName(name);
  return `${LEADER_PREFIX}${name}`;
}
