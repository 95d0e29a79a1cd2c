/**
 * Who may pull, push and delete in a repository: one pure function of the subject, the namespace and
 * the repository record (DTR's rules), tested as a table in decision.test.ts. The resolver
 * (authorizer.ts) gathers its inputs from the Store; nothing else decides.
 *
 * - Administrators may do everything, in any existing namespace.
 * - A user has every right in their own namespace, create-on-push included.
 * - In an org: org admins have every right; a team's access (on the repository, or on the whole
 *   namespace: the higher wins) gives `read-only` → pull, `read-write` → pull + push, `admin` → all three.
 * - A public repository may be pulled by any logged-in user, and anonymously when the cluster allows it.
 * - A missing repository gives nothing, except where the subject may create it by pushing: their own
 *   namespace, anywhere for admins, and in an org whose `createOnPush` is on for org admins and members
 *   with read-write or admin on the whole namespace (an org admin creates through the API otherwise).
 * - A service account acts only within its org, by its own list (an entry naming the repository's path
 *   within the org, or `*`); it may pull public repositories of its org; create-on-push when the org's
 *   setting is on and its entry for the path gives read-write or admin.
 * - A deactivated user, a namespace that is neither a user nor an org, or a path without a namespace:
 *   nothing.
 */
import type { Action, Repository, RepositoryAccess } from './records.js';

export type ResolvedSubject =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'user';
      readonly name: string;
      readonly admin: boolean;
      readonly active: boolean;
      /** Orgs the user is an org admin of (the resolver may list only the namespace at hand). */
      readonly orgAdminOf: ReadonlySet<string>;
      /** org → the user's teams in it */
      readonly teamsByOrg: ReadonlyMap<string, ReadonlySet<string>>;
    }
  | {
      readonly kind: 'service-account';
      readonly org: string;
      readonly name: string;
      readonly repositories: readonly { readonly name: string; readonly access: RepositoryAccess }[];
    };

export interface NamespaceInfo {
  readonly name: string;
  readonly kind: 'user' | 'org' | 'none';
  /** Org namespaces: the org's setting (false for users, where the owner may always create). */
  readonly createOnPush: boolean;
  /** Org namespaces: team access on every repository of the namespace. */
  readonly teams: Readonly<Record<string, RepositoryAccess>>;
  /** The cluster setting. */
  readonly anonymousPull: boolean;
}

const LEVEL: Record<RepositoryAccess, number> = { 'read-only': 1, 'read-write': 2, admin: 3 };
const BY_LEVEL: readonly (readonly Action[])[] = [[], ['pull'], ['pull', 'push'], ['pull', 'push', 'delete']];
const ALL: readonly Action[] = ['pull', 'push', 'delete'];

const levelOf = (access: RepositoryAccess | undefined): number =>
  access !== undefined && Object.hasOwn(LEVEL, access) ? LEVEL[access] : 0;

/**
 * A team's entry in an access map, by own property only: team names are any account name, and a plain
 * object answers `constructor` or `toString` from its prototype.
 */
export function teamAccess(
  teams: Readonly<Record<string, RepositoryAccess>> | undefined,
  team: string,
): RepositoryAccess | undefined {
  return teams !== undefined && Object.hasOwn(teams, team) ? teams[team] : undefined;
}

/**
 * `name` is the repository's path within the namespace; it matters only for a missing repository (a
 * service account's entry may name it), and defaults to the record's.
 */
export function actionsFor(
  subject: ResolvedSubject,
  ns: NamespaceInfo,
  repo: Repository | undefined,
  name: string | undefined = repo?.name,
): Set<Action> {
  if (ns.kind === 'none') return new Set();
  const isPublic = repo?.visibility === 'public';
  switch (subject.kind) {
    case 'anonymous':
      return new Set(isPublic && ns.anonymousPull ? ['pull'] : []);
    case 'user': {
      if (!subject.active) return new Set();
      if (subject.admin) return new Set(ALL);
      if (ns.kind === 'user') {
        if (ns.name === subject.name) return new Set(ALL);
        return new Set(isPublic ? ['pull'] : []);
      }
      if (subject.orgAdminOf.has(ns.name)) return new Set(repo || ns.createOnPush ? ALL : []);
      const teams = subject.teamsByOrg.get(ns.name) ?? new Set<string>();
      let wide = 0;
      let onRepo = 0;
      for (const team of teams) {
        wide = Math.max(wide, levelOf(teamAccess(ns.teams, team)));
        onRepo = Math.max(onRepo, levelOf(teamAccess(repo?.teams, team)));
      }
      return granted(repo, Math.max(wide, onRepo), wide, ns.createOnPush);
    }
    case 'service-account': {
      if (ns.kind !== 'org' || ns.name !== subject.org) return new Set();
      let level = 0;
      for (const entry of subject.repositories) {
        if (entry.name === '*' || entry.name === name) level = Math.max(level, levelOf(entry.access));
      }
      // The account's own list is its "namespace-wide" right for create-on-push.
      return granted(repo, level, level, ns.createOnPush);
    }
  }
}

/** What a level gives on an existing repository, or by create-on-push on a missing one. */
function granted(
  repo: Repository | undefined,
  level: number,
  namespaceWide: number,
  createOnPush: boolean,
): Set<Action> {
  if (!repo)
    return new Set(createOnPush && namespaceWide >= LEVEL['read-write'] ? BY_LEVEL[namespaceWide] : []);
  const actions = new Set(BY_LEVEL[level]);
  if (repo.visibility === 'public') actions.add('pull');
  return actions;
}

/** `visible`: the subject may do anything at all with the repository. */
export function isVisible(actions: ReadonlySet<Action>): boolean {
  return actions.size > 0;
}

/** A decision with the inputs it was made from (the resolver's answer). */
export interface Decided {
  readonly actions: Set<Action>;
  /** The repository record, when there is one. */
  readonly repository: Repository | undefined;
  readonly namespace: NamespaceInfo;
  readonly subject: ResolvedSubject;
}
