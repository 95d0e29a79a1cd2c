/**
 * AccessModel: the in-memory picture of who is who and who may do what where, indexed for decisions.
 * The controller fills it from the Store and applies every change as it is watched, so a removed member or
 * grant stops counting on the very next decision. It does no I/O.
 *
 * Invariants:
 * - A grant names an existing subject, role and collection; a role in use cannot be deleted, nor a
 *   collection with grants or children.
 * - A user's subject keys (the user, its teams, its orgs) are cached and dropped on any membership change.
 * - Teams are keyed `org/team`: a team belongs to exactly one org, and its members count as the org's.
 */
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '@stevedore/errors';
import { DEFAULT_COLLECTIONS, parentOf, validateCollectionPath } from './collections.js';
import { isOperation, type Operation } from './operations.js';
import { BUILTIN_ROLES, type Role } from './roles.js';

export type SubjectKind = 'user' | 'team' | 'org';
export interface SubjectRef {
  readonly kind: SubjectKind;
  /** user name, org name, or `org/team` for a team */
  readonly id: string;
}

export interface Grant {
  readonly id: string;
  readonly subject: SubjectRef;
  readonly roleId: string;
  readonly collection: string;
}

export interface UserRecord {
  readonly name: string;
  readonly admin: boolean;
  readonly active: boolean;
  /** Where the user's new resources go unless they name a collection (the Docker API proxy reads it). */
  readonly defaultCollection?: string;
}

export function subjectKey(s: SubjectRef): string {
  return `${s.kind}:${s.id}`;
}

type ByCollection = Map<string, Map<string, Grant[]>>;

export class AccessModel {
  readonly users = new Map<string, UserRecord>();
  readonly orgs = new Set<string>();
  readonly teams = new Set<string>();
  readonly roles = new Map<string, Role>(BUILTIN_ROLES.map((r) => [r.id, r]));
  readonly collections = new Set<string>(DEFAULT_COLLECTIONS);
  readonly grants = new Map<string, Grant>();
  /** user -> orgs they belong to directly; user -> teams (`org/team`) */
  private readonly orgMembers = new Map<string, Set<string>>();
  private readonly teamMembers = new Map<string, Set<string>>();
  private readonly byCollection: ByCollection = new Map();
  private readonly subjectCache = new Map<string, readonly string[]>();

  putUser(user: UserRecord): void {
    this.users.set(user.name, user);
  }

  removeUser(name: string): void {
    this.users.delete(name);
    this.orgMembers.delete(name);
    this.teamMembers.delete(name);
    this.subjectCache.delete(name);
    for (const grant of [...this.grants.values()]) {
      if (grant.subject.kind === 'user' && grant.subject.id === name) this.removeGrant(grant.id);
    }
  }

  addOrg(org: string): void {
    this.orgs.add(org);
  }

  removeOrg(org: string): void {
    for (const team of [...this.teams]) {
      if (team.startsWith(org + '/')) this.removeTeam(org, team.slice(org.length + 1));
    }
    for (const orgs of this.orgMembers.values()) orgs.delete(org);
    for (const grant of [...this.grants.values()]) {
      if (grant.subject.kind === 'org' && grant.subject.id === org) this.removeGrant(grant.id);
    }
    this.orgs.delete(org);
    this.subjectCache.clear();
  }

  addTeam(org: string, team: string): void {
    if (!this.orgs.has(org)) throw new NotFoundError(`org ${JSON.stringify(org)} does not exist`);
    this.teams.add(`${org}/${team}`);
  }

  removeTeam(org: string, team: string): void {
    const key = `${org}/${team}`;
    this.teams.delete(key);
    for (const teams of this.teamMembers.values()) teams.delete(key);
    for (const grant of [...this.grants.values()]) {
      if (grant.subject.kind === 'team' && grant.subject.id === key) this.removeGrant(grant.id);
    }
    this.subjectCache.clear();
  }

  addOrgMember(org: string, user: string): void {
    this.requireUser(user);
    if (!this.orgs.has(org)) throw new NotFoundError(`org ${JSON.stringify(org)} does not exist`);
    setOf(this.orgMembers, user).add(org);
    this.subjectCache.delete(user);
  }

  removeOrgMember(org: string, user: string): void {
    this.orgMembers.get(user)?.delete(org);
    for (const team of [...(this.teamMembers.get(user) ?? [])]) {
      if (team.startsWith(org + '/')) this.teamMembers.get(user)?.delete(team);
    }
    this.subjectCache.delete(user);
  }

  addTeamMember(org: string, team: string, user: string): void {
    const key = `${org}/${team}`;
    if (!this.teams.has(key)) throw new NotFoundError(`team ${JSON.stringify(key)} does not exist`);
    this.addOrgMember(org, user);
    setOf(this.teamMembers, user).add(key);
  }

  removeTeamMember(org: string, team: string, user: string): void {
    this.teamMembers.get(user)?.delete(`${org}/${team}`);
    this.subjectCache.delete(user);
  }

  putRole(role: { id: string; name: string; description?: string; operations: readonly string[] }): Role {
    if (this.roles.get(role.id)?.builtin) {
      throw new FailedPreconditionError(`role ${JSON.stringify(role.id)} is built in and cannot be changed`);
    }
    const unknown = role.operations.filter((op) => !isOperation(op));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(
        `unknown operations in role ${JSON.stringify(role.name)}: ${unknown.join(', ')}`,
        {
          detail: { field: 'operations', unknown },
        },
      );
    }
    const stored: Role = {
      id: role.id,
      name: role.name,
      description: role.description ?? '',
      builtin: false,
      operations: new Set(role.operations as Operation[]),
    };
    this.roles.set(role.id, stored);
    return stored;
  }

  removeRole(id: string): void {
    const role = this.roles.get(id);
    if (!role) throw new NotFoundError(`role ${JSON.stringify(id)} does not exist`);
    if (role.builtin) throw new FailedPreconditionError(`role ${JSON.stringify(role.name)} is built in`);
    const used = [...this.grants.values()].filter((g) => g.roleId === id).length;
    if (used > 0) {
      throw new FailedPreconditionError(
        `role ${JSON.stringify(role.name)} is used by ${used} grant(s); remove those grants first`,
      );
    }
    this.roles.delete(id);
  }

  addCollection(path: string): void {
    validateCollectionPath(path);
    if (this.collections.has(path)) throw new AlreadyExistsError(`collection ${path} already exists`);
    const parent = parentOf(path);
    if (parent === undefined || !this.collections.has(parent)) {
      throw new FailedPreconditionError(
        `the parent of ${path} does not exist; create ${parent ?? '/'} first`,
      );
    }
    this.collections.add(path);
  }

  removeCollection(path: string): void {
    if (DEFAULT_COLLECTIONS.includes(path)) {
      throw new FailedPreconditionError(`collection ${path} is built in and cannot be removed`);
    }
    if (!this.collections.has(path)) throw new NotFoundError(`collection ${path} does not exist`);
    const child = [...this.collections].find((c) => parentOf(c) === path);
    if (child)
      throw new FailedPreconditionError(`collection ${path} has children (${child}); remove them first`);
    if (this.byCollection.has(path)) {
      throw new FailedPreconditionError(`collection ${path} has grants; remove them first`);
    }
    this.collections.delete(path);
  }

  addGrant(grant: Grant): void {
    if (this.grants.has(grant.id)) throw new AlreadyExistsError(`grant ${grant.id} already exists`);
    if (!this.roles.has(grant.roleId))
      throw new NotFoundError(`role ${JSON.stringify(grant.roleId)} does not exist`);
    if (!this.collections.has(grant.collection)) {
      throw new NotFoundError(`collection ${grant.collection} does not exist`);
    }
    this.requireSubject(grant.subject);
    this.grants.set(grant.id, grant);
    const bySubject = this.byCollection.get(grant.collection) ?? new Map<string, Grant[]>();
    this.byCollection.set(grant.collection, bySubject);
    const key = subjectKey(grant.subject);
    bySubject.set(key, [...(bySubject.get(key) ?? []), grant]);
  }

  removeGrant(id: string): void {
    const grant = this.grants.get(id);
    if (!grant) throw new NotFoundError(`grant ${id} does not exist`);
    this.grants.delete(id);
    const bySubject = this.byCollection.get(grant.collection);
    const key = subjectKey(grant.subject);
    const rest = (bySubject?.get(key) ?? []).filter((g) => g.id !== id);
    if (rest.length > 0) bySubject?.set(key, rest);
    else bySubject?.delete(key);
    if (bySubject?.size === 0) this.byCollection.delete(grant.collection);
  }

  /** The subject keys whose grants count for `user`: the user, its teams and its orgs. */
  subjectKeysOf(user: string): readonly string[] {
    let keys = this.subjectCache.get(user);
    if (!keys) {
      const teams = [...(this.teamMembers.get(user) ?? [])];
      const orgs = new Set([
        ...(this.orgMembers.get(user) ?? []),
        ...teams.map((t) => t.slice(0, t.indexOf('/'))),
      ]);
      keys = [`user:${user}`, ...teams.map((t) => `team:${t}`), ...[...orgs].map((o) => `org:${o}`)];
      this.subjectCache.set(user, keys);
    }
    return keys;
  }

  /** Grants on exactly `collection` held by a subject key (internal index, for the authorizer). */
  grantsAt(collection: string, key: string): readonly Grant[] | undefined {
    return this.byCollection.get(collection)?.get(key);
  }

  private requireUser(name: string): void {
    if (!this.users.has(name)) throw new NotFoundError(`user ${JSON.stringify(name)} does not exist`);
  }

  private requireSubject(s: SubjectRef): void {
    const exists =
      s.kind === 'user'
        ? this.users.has(s.id)
        : s.kind === 'team'
          ? this.teams.has(s.id)
          : this.orgs.has(s.id);
    if (!exists) throw new NotFoundError(`${s.kind} ${JSON.stringify(s.id)} does not exist`);
  }
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
