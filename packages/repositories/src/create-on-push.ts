/**
 * Create-on-push: the registry reports a push it authorized, and the repository record is created
 * (private, no teams) if it is not there yet, when the decision lets the subject push to the missing
 * repository. The namespace's owner record is pinned (as for any creation), so the account's removal
 * cannot race past it; a lost race with another push re-reads and finds the record.
 */
import { commit, encode, identityKeys, retrying, TxnBuilder } from '@stevedore/identity';
import type { Store } from '@stevedore/store';
import type { Decided } from './decision.js';
import { checkPath, repositoryNotFound } from './names.js';
import { infoOf, loginOf, type RepositoryInfo } from './info.js';
import { repositoryKeys as keys, splitPath } from './keys.js';
import type { Repository } from './records.js';
import type { RegistrySubject } from './subject.js';

export interface OnPush {
  readonly created: boolean;
  readonly repository: RepositoryInfo;
}

export async function ownerOf(store: Store, namespace: string) {
  const [user, org] = await Promise.all([
    store.get(identityKeys.user(namespace)),
    store.get(identityKeys.org(namespace)),
  ]);
  if (user) return { kind: 'user' as const, kv: user };
  if (org) return { kind: 'org' as const, kv: org };
  return undefined;
}

export async function ensureOnPush(
  store: Store,
  decide: (subject: RegistrySubject, path: string) => Promise<Decided>,
  path: string,
  subject: RegistrySubject,
  now: () => number,
): Promise<OnPush> {
  const split = splitPath(path);
  if (!split) throw repositoryNotFound(path);
  checkPath(split.namespace, split.name);
  let result: OnPush | undefined;
  await retrying('create the repository on push', async () => {
    const decided = await decide(subject, path);
    if (decided.repository) {
      result = { created: false, repository: infoOf(decided.repository, decided.actions) };
      return 0;
    }
    const owner = await ownerOf(store, split.namespace);
    if (!decided.actions.has('push') || !owner) throw repositoryNotFound(path);
    const repo: Repository = {
      ...split,
      visibility: 'private',
      description: '',
      createdAt: new Date(now()).toISOString(),
      createdBy: loginOf(subject),
      teams: {},
    };
    const key = keys.repository(split.namespace, split.name);
    const txn = new TxnBuilder().touch(owner.kv).expect(key, 0).put(key, encode(repo));
    const revision = await commit(store, txn);
    if (revision !== undefined) result = { created: true, repository: infoOf(repo, decided.actions) };
    return revision;
  });
  return result!;
}
