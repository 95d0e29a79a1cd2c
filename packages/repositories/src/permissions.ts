/**
 * Team access on a repository and the per-org namespace settings (create-on-push, namespace-wide team
 * access). Only org namespaces have either: a user namespace belongs to its user. Setting a team's access
 * pins the team record, so a team removal racing with it retries and takes the entry along (hooks.ts).
 */
import { FailedPreconditionError, NotFoundError, PermissionDeniedError } from '@stevedore/errors';
import {
  commit,
  decode,
  encode,
  identityKeys,
  isValidName,
  membershipSchema,
  repositoryAccessSchema,
  retrying,
  TxnBuilder,
  userSchema,
} from '@stevedore/identity';
import type { KeyValue, Store } from '@stevedore/store';
import type { RepositoryAuthorizer } from './authorizer.js';
import type { RegistrySubject } from './subject.js';
import { teamAccess } from './decision.js';
import { managed, visible } from './guard.js';
import { repositoryNotFound } from './names.js';
import { repositoryKeys as keys } from './keys.js';
import {
  checkedField,
  DEFAULT_NAMESPACE_SETTINGS,
  namespaceSettingsSchema,
  repositorySchema,
  type NamespaceSettings,
  type RepositoryAccess,
} from './records.js';

export interface TeamAccess {
  readonly team: string;
  readonly access: RepositoryAccess;
}

export interface NamespaceView {
  readonly namespace: string;
  readonly kind: 'user' | 'org';
  /** User namespaces: always true for their owner. */
  readonly createOnPush: boolean;
  readonly teams: readonly TeamAccess[];
  /** Whether the caller may change these settings. */
  readonly canManage: boolean;
}

export interface NamespacePatch {
  readonly createOnPush?: boolean;
  /** team → access; `null` removes the team's namespace-wide access. */
  readonly teams?: Readonly<Record<string, RepositoryAccess | null>>;
}

const listOf = (teams: Readonly<Record<string, RepositoryAccess>>): TeamAccess[] =>
  Object.keys(teams)
    .sort()
    .map((team) => ({ team, access: teams[team]! }));

const checkAccess = (access: unknown): RepositoryAccess =>
  checkedField(
    repositoryAccessSchema,
    access,
    'access',
    'access must be "read-only", "read-write" or "admin"',
  );

export class RepositoryPermissions {
  constructor(
    private readonly store: Store,
    private readonly authorizer: RepositoryAuthorizer,
  ) {}

  async listTeams(subject: RegistrySubject, namespace: string, name: string): Promise<readonly TeamAccess[]> {
    return listOf((await visible(this.authorizer, subject, namespace, name)).repository.teams);
  }

  async getTeam(
    subject: RegistrySubject,
    namespace: string,
    name: string,
    team: string,
  ): Promise<TeamAccess> {
    const { repository, path } = await visible(this.authorizer, subject, namespace, name);
    const access = teamAccess(repository.teams, team);
    if (!access) throw new NotFoundError(`team ${team} has no access of its own on repository ${path}`);
    return { team, access };
  }

  async putTeam(
    subject: RegistrySubject,
    namespace: string,
    name: string,
    team: string,
    access: RepositoryAccess,
  ): Promise<TeamAccess> {
    const level = checkAccess(access);
    await retrying('set the team access', async () => {
      const seen = await managed(this.authorizer, subject, namespace, name);
      if (seen.namespace.kind !== 'org') {
        throw new FailedPreconditionError(
          `repository ${seen.path} is in a user namespace; team access exists only in org namespaces`,
        );
      }
      const [repoKv, teamKv] = await Promise.all([
        this.store.get(keys.repository(namespace, name)),
        isValidName(team) ? this.store.get(identityKeys.team(namespace, team)) : undefined,
      ]);
      if (!teamKv) {
        throw new NotFoundError(
          `team ${namespace}/${team} does not exist; create it in org ${namespace} first`,
          {
            detail: { field: 'team' },
          },
        );
      }
      if (!repoKv) throw repositoryNotFound(seen.path);
      const repo = decode(repositorySchema, repoKv);
      const next = { ...repo, teams: { ...repo.teams, [team]: level } };
      const txn = new TxnBuilder().touch(teamKv).expectUnchanged(repoKv.key, repoKv);
      return commit(this.store, txn.put(repoKv.key, encode(next)));
    });
    return { team, access: level };
  }

  async deleteTeam(subject: RegistrySubject, namespace: string, name: string, team: string): Promise<void> {
    await retrying('remove the team access', async () => {
      const seen = await managed(this.authorizer, subject, namespace, name);
      const repoKv = await this.store.get(keys.repository(namespace, name));
      if (!repoKv) throw repositoryNotFound(seen.path);
      const repo = decode(repositorySchema, repoKv);
      if (!teamAccess(repo.teams, team)) {
        throw new NotFoundError(`team ${team} has no access of its own on repository ${seen.path}`);
      }
      const teams = { ...repo.teams };
      delete teams[team];
      const txn = new TxnBuilder().expectUnchanged(repoKv.key, repoKv);
      return commit(this.store, txn.put(repoKv.key, encode({ ...repo, teams })));
    });
  }

  /** Org members (and the owner of a user namespace, and administrators) may read a namespace's settings. */
  async getNamespace(subject: RegistrySubject, namespace: string): Promise<NamespaceView> {
    const { view } = await this.namespaceFor(subject, namespace);
    return view;
  }

  /** Org admins and administrators change an org namespace's settings; a user namespace has none. */
  async updateNamespace(
    subject: RegistrySubject,
    namespace: string,
    patch: NamespacePatch,
  ): Promise<NamespaceView> {
    const entries = Object.entries(patch.teams ?? {});
    for (const [, access] of entries) if (access !== null) checkAccess(access);
    await retrying('update the namespace settings', async () => {
      const { view, orgKv, settingsKv } = await this.namespaceFor(subject, namespace);
      if (view.kind !== 'org' || !orgKv) {
        throw new FailedPreconditionError(
          `${namespace} is a user namespace: its owner may always create repositories in it, and it has no teams`,
        );
      }
      if (!view.canManage) {
        throw new PermissionDeniedError(
          `changing the settings of ${namespace} needs an org admin of ${namespace}`,
        );
      }
      const current = settingsKv ? decode(namespaceSettingsSchema, settingsKv) : DEFAULT_NAMESPACE_SETTINGS;
      const teams = { ...current.teams };
      const txn = new TxnBuilder().expectUnchanged(keys.namespace(namespace), settingsKv);
      for (const [team, access] of entries) {
        if (access === null) {
          delete teams[team];
          continue;
        }
        const teamKv = isValidName(team)
          ? await this.store.get(identityKeys.team(namespace, team))
          : undefined;
        if (!teamKv) {
          throw new NotFoundError(
            `team ${namespace}/${team} does not exist; create it in org ${namespace} first`,
            {
              detail: { field: `teams.${team}` },
            },
          );
        }
        txn.touch(teamKv);
        teams[team] = access;
      }
      const next: NamespaceSettings = { createOnPush: patch.createOnPush ?? current.createOnPush, teams };
      // The org is compared so that settings never outlive an org removed at the same moment.
      txn.expectUnchanged(orgKv.key, orgKv).put(keys.namespace(namespace), encode(next));
      return commit(this.store, txn);
    });
    return this.getNamespace(subject, namespace);
  }

  private async namespaceFor(
    subject: RegistrySubject,
    namespace: string,
  ): Promise<{ view: NamespaceView; orgKv: KeyValue | undefined; settingsKv: KeyValue | undefined }> {
    const hidden = new NotFoundError(`namespace ${namespace} does not exist, or you may not see it`);
    if (subject.kind !== 'user' || !isValidName(namespace)) throw hidden;
    const [callerKv, userKv, orgKv, settingsKv, memberKv] = await Promise.all([
      this.store.get(identityKeys.user(subject.name)),
      this.store.get(identityKeys.user(namespace)),
      this.store.get(identityKeys.org(namespace)),
      this.store.get(keys.namespace(namespace)),
      this.store.get(identityKeys.orgMember(namespace, subject.name)),
    ]);
    const caller = callerKv ? decode(userSchema, callerKv) : undefined;
    if (!caller?.active) throw hidden;
    if (userKv) {
      if (!caller.admin && caller.name !== namespace) throw hidden;
      return {
        view: { namespace, kind: 'user', createOnPush: true, teams: [], canManage: false },
        orgKv: undefined,
        settingsKv: undefined,
      };
    }
    if (!orgKv || (!caller.admin && !memberKv)) throw hidden;
    const settings = settingsKv ? decode(namespaceSettingsSchema, settingsKv) : DEFAULT_NAMESPACE_SETTINGS;
    const orgAdmin = memberKv !== undefined && (decode(membershipSchema, memberKv).admin ?? false);
    return {
      view: {
        namespace,
        kind: 'org',
        createOnPush: settings.createOnPush,
        teams: listOf(settings.teams),
        canManage: caller.admin || orgAdmin,
      },
      orgKv,
      settingsKv,
    };
  }
}
