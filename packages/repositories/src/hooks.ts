/**
 * How repositories joins identity's transactions (identity's `IdentityHooks`, combined with access's in
 * the control plane):
 * - removing a user or an org that still owns repositories is refused (FailedPrecondition): its records
 *   and registry content would otherwise outlive it, and a later account of the same name would inherit
 *   them. An org's namespace settings go with the org, in the same commit.
 * - removing a team removes its access entries (on repositories and namespace-wide) in the same commit,
 *   so a later team of the same name starts with nothing.
 * Repository creation and team-access writes pin the records these hooks read (see repositories.ts and
 * permissions.ts), so a racing write makes the removal retry and see it.
 */
import { FailedPreconditionError } from '@stevedore/errors';
import { decode, encode, type IdentityHooks, type Subject, type TxnBuilder } from '@stevedore/identity';
import type { Store } from '@stevedore/store';
import { repositoryKeys as keys } from './keys.js';
import { namespaceSettingsSchema, repositorySchema } from './records.js';

export function repositoryHooks(store: Store): IdentityHooks {
  return {
    subjectsRemoved: async (subjects: readonly Subject[], txn: TxnBuilder) => {
      for (const s of subjects) {
        if (s.kind === 'team') continue;
        const owned = await store.range(keys.inNamespace(s.id), { limit: 1 });
        const first = owned.kvs[0];
        if (first) {
          const path = first.key.slice(keys.repositories.length);
          throw new FailedPreconditionError(
            `${s.kind} ${s.id} still owns repositories (e.g. ${path}); delete them first`,
          );
        }
        if (s.kind === 'org') {
          const settings = await store.get(keys.namespace(s.id));
          if (settings) txn.expectUnchanged(settings.key, settings).delete(settings.key);
        }
      }
      for (const s of subjects) {
        if (s.kind !== 'team') continue;
        const [org, team] = s.id.split('/') as [string, string];
        const [repos, settings] = await Promise.all([
          store.range(keys.inNamespace(org)),
          store.get(keys.namespace(org)),
        ]);
        for (const kv of repos.kvs) {
          const repo = decode(repositorySchema, kv);
          if (!(team in repo.teams)) continue;
          const teams = { ...repo.teams };
          delete teams[team];
          txn.expectUnchanged(kv.key, kv).put(kv.key, encode({ ...repo, teams }));
        }
        if (settings && !txn.writes(settings.key)) {
          const value = decode(namespaceSettingsSchema, settings);
          if (team in value.teams) {
            const teams = { ...value.teams };
            delete teams[team];
            txn.expectUnchanged(settings.key, settings).put(settings.key, encode({ ...value, teams }));
          }
        }
      }
    },
  };
}
