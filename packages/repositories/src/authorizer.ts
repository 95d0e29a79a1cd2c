/**
 * The resolver: gathers the decision's inputs from the Store and applies `actionsFor`. It runs for every
 * registry token issued, so `actions` costs two rounds of point reads: the subject, the namespace (user,
 * org, settings), the repository, the cluster setting and the org membership at once, then the user's
 * membership of each team the namespace or the repository names. Nothing is cached: a revoked right is
 * refused at the next token.
 *
 * `pullFilter` is for the catalog: it preloads everything it needs once (the repository records, the
 * subject's memberships, the namespace settings) and answers synchronously per name.
 */
import {
  decode,
  identityKeys,
  isValidName,
  membershipSchema,
  serviceAccountSchema,
  userSchema,
} from '@stevedore/identity';
import type { KeyValue, Store } from '@stevedore/store';
import { ensureOnPush, type OnPush } from './create-on-push.js';
import type { RegistrySubject } from './subject.js';
import { actionsFor, type Decided, type NamespaceInfo, type ResolvedSubject } from './decision.js';
import { repositoryKeys as keys, splitPath } from './keys.js';
import {
  DEFAULT_NAMESPACE_SETTINGS,
  DEFAULT_REGISTRY_SETTINGS,
  namespaceSettingsSchema,
  registrySettingsSchema,
  repositorySchema,
  type Action,
  type NamespaceSettings,
  type Repository,
} from './records.js';

export type { Decided, RegistrySubject };

const NOTHING: ResolvedSubject = { kind: 'anonymous' };
const ALL: readonly Action[] = ['pull', 'push', 'delete'];
const lastSegment = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

export class RepositoryAuthorizer {
  constructor(private readonly store: Store) {}

  /** What `subject` may do in the repository at `path` (e.g. `acme/app/web`). */
  async actions(subject: RegistrySubject, path: string): Promise<Set<Action>> {
    return (await this.decide(subject, path)).actions;
  }

  async decide(subject: RegistrySubject, path: string): Promise<Decided> {
    const split = splitPath(path);
    const none: NamespaceInfo = {
      name: split?.namespace ?? path,
      kind: 'none',
      createOnPush: false,
      teams: {},
      anonymousPull: false,
    };
    if (!split || !subjectNameOk(subject)) {
      return { actions: new Set(), repository: undefined, namespace: none, subject: NOTHING };
    }
    const { namespace, name } = split;
    const { store } = this;
    const [nsUser, nsOrg, settingsKv, repoKv, registryKv, subjectKv, memberKv] = await Promise.all([
      store.get(identityKeys.user(namespace)),
      store.get(identityKeys.org(namespace)),
      store.get(keys.namespace(namespace)),
      store.get(keys.repository(namespace, name)),
      store.get(keys.registrySettings),
      subject.kind === 'user'
        ? store.get(identityKeys.user(subject.name))
        : subject.kind === 'service-account'
          ? store.get(identityKeys.serviceAccount(subject.org, subject.name))
          : undefined,
      subject.kind === 'user' ? store.get(identityKeys.orgMember(namespace, subject.name)) : undefined,
    ]);
    const settings = settingsKv ? decode(namespaceSettingsSchema, settingsKv) : DEFAULT_NAMESPACE_SETTINGS;
    const repository = repoKv ? decode(repositorySchema, repoKv) : undefined;
    const ns: NamespaceInfo = {
      name: namespace,
      kind: nsUser ? 'user' : nsOrg ? 'org' : 'none',
      createOnPush: nsOrg ? settings.createOnPush : false,
      teams: nsOrg ? settings.teams : {},
      anonymousPull: (registryKv ? decode(registrySettingsSchema, registryKv) : DEFAULT_REGISTRY_SETTINGS)
        .anonymousPull,
    };
    let resolved: ResolvedSubject = NOTHING;
    if (subject.kind === 'user' && subjectKv) {
      const user = decode(userSchema, subjectKv);
      const teams = new Set<string>();
      if (ns.kind === 'org' && memberKv) {
        const named = [...new Set([...Object.keys(ns.teams), ...Object.keys(repository?.teams ?? {})])];
        const found = await Promise.all(
          named.map((team) => store.get(identityKeys.teamMember(namespace, team, user.name))),
        );
        named.forEach((team, i) => found[i] && teams.add(team));
      }
      const orgAdmin = memberKv !== undefined && (decode(membershipSchema, memberKv).admin ?? false);
      resolved = {
        kind: 'user',
        name: user.name,
        admin: user.admin,
        active: user.active,
        orgAdminOf: new Set(orgAdmin ? [namespace] : []),
        teamsByOrg: new Map([[namespace, teams]]),
      };
    } else if (subject.kind === 'service-account' && subjectKv) {
      const account = decode(serviceAccountSchema, subjectKv);
      resolved = {
        kind: 'service-account',
        org: account.org,
        name: account.name,
        repositories: account.repositories,
      };
    } else if (subject.kind !== 'anonymous') {
      // A user or service account that no longer exists: nothing at all (not even anonymous rights).
      return { actions: new Set(), repository, namespace: ns, subject: NOTHING };
    }
    return {
      actions: actionsFor(resolved, ns, repository, name),
      repository,
      namespace: ns,
      subject: resolved,
    };
  }

  /**
   * For the registry's create-on-push, after a push it authorized: the record for `path`, created
   * private if absent when the subject may push there (see decision.ts). Idempotent: concurrent pushes
   * create it once. NotFound when the subject may not create it.
   */
  ensureOnPush(path: string, subject: RegistrySubject, now: () => number = Date.now): Promise<OnPush> {
    return ensureOnPush(this.store, (s, p) => this.decide(s, p), path, subject, now);
  }

  /** A predicate over repository paths: may `subject` pull it? For `/v2/_catalog`. */
  async pullFilter(subject: RegistrySubject): Promise<(path: string) => boolean> {
    const actionsOf = await this.preload(subject);
    return (path) => actionsOf(path).has('pull');
  }

  /**
   * `actions` for many existing repositories at once (catalog, listings): everything is read once here;
   * the answer per path is synchronous. A path without a record gives nothing, except in the subject's own
   * namespace (`actions` decides create-on-push; this is about what exists).
   */
  async preload(subject: RegistrySubject): Promise<(path: string) => Set<Action>> {
    const nothing = () => new Set<Action>();
    if (!subjectNameOk(subject)) return nothing;
    const { store } = this;
    const [registryKv, subjectKv] = await Promise.all([
      store.get(keys.registrySettings),
      subject.kind === 'user'
        ? store.get(identityKeys.user(subject.name))
        : subject.kind === 'service-account'
          ? store.get(identityKeys.serviceAccount(subject.org, subject.name))
          : undefined,
    ]);
    const anonymousPull = (
      registryKv ? decode(registrySettingsSchema, registryKv) : DEFAULT_REGISTRY_SETTINGS
    ).anonymousPull;
    let resolved: ResolvedSubject = NOTHING;
    if (subject.kind === 'user') {
      if (!subjectKv) return nothing;
      const user = decode(userSchema, subjectKv);
      if (!user.active) return nothing;
      if (user.admin) return () => new Set(ALL);
      resolved = await this.memberships(user.name, user.admin, user.active);
    } else if (subject.kind === 'service-account') {
      if (!subjectKv) return nothing;
      const a = decode(serviceAccountSchema, subjectKv);
      resolved = { kind: 'service-account', org: a.org, name: a.name, repositories: a.repositories };
    } else if (!anonymousPull) {
      return nothing;
    }
    const [repos, orgs, settings] = await Promise.all([
      store.range(keys.repositories),
      store.range(identityKeys.orgs),
      store.range(keys.namespaces),
    ]);
    const orgNames = new Set(orgs.kvs.map((kv) => lastSegment(kv.key)));
    const settingsOf = new Map<string, NamespaceSettings>(
      settings.kvs.map((kv: KeyValue) => [
        kv.key.slice(keys.namespaces.length),
        decode(namespaceSettingsSchema, kv),
      ]),
    );
    const records = new Map<string, Repository>();
    for (const kv of repos.kvs)
      records.set(kv.key.slice(keys.repositories.length), decode(repositorySchema, kv));
    return (path) => {
      const split = splitPath(path);
      if (!split) return new Set();
      if (resolved.kind === 'user' && split.namespace === resolved.name) return new Set(ALL);
      const repository = records.get(path);
      if (!repository) return new Set();
      const isOrg = orgNames.has(split.namespace);
      const s = (isOrg && settingsOf.get(split.namespace)) || DEFAULT_NAMESPACE_SETTINGS;
      const ns: NamespaceInfo = {
        name: split.namespace,
        // A record exists only in an existing namespace (removal is refused while it has repositories).
        kind: isOrg ? 'org' : 'user',
        createOnPush: s.createOnPush,
        teams: s.teams,
        anonymousPull,
      };
      return actionsFor(resolved, ns, repository);
    };
  }

  /** The user's org-admin flags and teams, in every org (two scans: for catalog reads only). */
  private async memberships(name: string, admin: boolean, active: boolean): Promise<ResolvedSubject> {
    const [orgMembers, teamMembers] = await Promise.all([
      this.store.range(identityKeys.orgMembersAll),
      this.store.range(identityKeys.teamMembersAll),
    ]);
    const orgAdminOf = new Set<string>();
    for (const kv of orgMembers.kvs) {
      if (lastSegment(kv.key) !== name) continue;
      if (decode(membershipSchema, kv).admin)
        orgAdminOf.add(kv.key.slice(identityKeys.orgMembersAll.length).split('/')[0]!);
    }
    const teamsByOrg = new Map<string, Set<string>>();
    for (const kv of teamMembers.kvs) {
      const [org, team, user] = kv.key.slice(identityKeys.teamMembersAll.length).split('/');
      if (user !== name || !org || !team) continue;
      const teams = teamsByOrg.get(org) ?? new Set<string>();
      teams.add(team);
      teamsByOrg.set(org, teams);
    }
    return { kind: 'user', name, admin, active, orgAdminOf, teamsByOrg };
  }
}

/** Names from a token could be anything; only valid ones may become parts of keys. */
function subjectNameOk(subject: RegistrySubject): boolean {
  if (subject.kind === 'anonymous') return true;
  if (subject.kind === 'user') return isValidName(subject.name);
  return isValidName(subject.org) && isValidName(subject.name);
}
