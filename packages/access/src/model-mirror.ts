/**
 * The records the access model is built from, keyed as in the Store, and how each change is applied to an
 * `AccessModel`: incrementally when that is exact (a grant or a membership added or removed, a user's
 * flags changed), by a rebuild from the mirror otherwise (a user, org, team, role or collection removed,
 * whose consequences cascade). Applying is tolerant: a record whose references are missing (which the
 * pinning in the services prevents, but a hand-edited Store could hold) is left out of the model and
 * counted in `skipped`, never thrown; while anything is skipped, every newly put entity triggers a
 * rebuild, so the left-out record comes in as soon as what it needs exists.
 */
import { AccessModel, type Grant } from '@stevedore/authz';
import { decode, parseIdentityKey, userSchema, type IdentityKey } from '@stevedore/identity';
import type { KeyValue } from '@stevedore/store';
import { parseAccessKey, type AccessKey } from './keys.js';
import { grantSchema, roleSchema, type RoleRecord } from './records.js';

type Entry =
  | Exclude<IdentityKey, { kind: 'user' }>
  | {
      readonly kind: 'user';
      readonly user: string;
      readonly admin: boolean;
      readonly active: boolean;
      readonly defaultCollection: string;
    }
  | Exclude<AccessKey, { kind: 'role' | 'grant' }>
  | { readonly kind: 'role'; readonly role: RoleRecord }
  | { readonly kind: 'grant'; readonly grant: Grant };

/** Parses a Store record into a mirror entry; undefined for keys the model does not use. */
function entryOf(kv: KeyValue): Entry | undefined {
  const key = parseIdentityKey(kv.key) ?? parseAccessKey(kv.key);
  if (!key) return undefined;
  if (key.kind === 'user') {
    const u = decode(userSchema, kv);
    return {
      kind: 'user',
      user: u.name,
      admin: u.admin,
      active: u.active,
      defaultCollection: u.defaultCollection,
    };
  }
  if (key.kind === 'role') return { kind: 'role', role: decode(roleSchema, kv) };
  if (key.kind === 'grant') {
    const { id, subject, roleId, collection } = decode(grantSchema, kv);
    return { kind: 'grant', grant: { id, subject, roleId, collection } };
  }
  return key;
}

const BUILD_ORDER: readonly Entry['kind'][] = [
  'user',
  'org',
  'team',
  'org-member',
  'team-member',
  'role',
  'collection',
  'grant',
];

/** Adds one entry to the model; throws when something it refers to is missing. */
function add(model: AccessModel, e: Entry): void {
  switch (e.kind) {
    case 'user':
      return model.putUser({
        name: e.user,
        admin: e.admin,
        active: e.active,
        defaultCollection: e.defaultCollection,
      });
    case 'org':
      return model.addOrg(e.org);
    case 'team':
      return model.addTeam(e.org, e.team);
    case 'org-member':
      return model.addOrgMember(e.org, e.user);
    case 'team-member':
      return model.addTeamMember(e.org, e.team, e.user);
    case 'role':
      return void model.putRole(e.role);
    case 'collection':
      if (!model.collections.has(e.path)) model.addCollection(e.path);
      return;
    case 'grant':
      if (model.grants.has(e.grant.id)) model.removeGrant(e.grant.id);
      return model.addGrant(e.grant);
  }
}

export class ModelMirror {
  private readonly entries = new Map<string, Entry>();
  private current = new AccessModel();
  /** Records left out of the model because something they refer to is missing. */
  skipped = 0;
  /** Records whose value could not be parsed (reported through `onInvalid`). */
  invalid = 0;

  constructor(private readonly onInvalid: (key: string, err: unknown) => void) {}

  get model(): AccessModel {
    return this.current;
  }

  /** Replaces everything with a snapshot (one range of `/iam/`). */
  load(kvs: readonly KeyValue[]): void {
    this.entries.clear();
    this.invalid = 0;
    for (const kv of kvs) this.set(kv.key, kv);
    this.rebuild();
  }

  /** Applies the events of one revision; the model is replaced or changed in one synchronous step. */
  applyRevision(events: readonly ({ type: 'put'; kv: KeyValue } | { type: 'delete'; key: string })[]): void {
    let rebuild = false;
    for (const ev of events) {
      const key = ev.type === 'put' ? ev.kv.key : ev.key;
      const before = this.entries.get(key);
      const after = ev.type === 'put' ? this.set(key, ev.kv) : (this.entries.delete(key), undefined);
      if (rebuild) continue;
      rebuild = !this.applyOne(before, after);
    }
    if (rebuild) this.rebuild();
  }

  /** Applies one change incrementally; false when a rebuild is needed instead. */
  private applyOne(before: Entry | undefined, after: Entry | undefined): boolean {
    const m = this.current;
    if (!after) {
      switch (before?.kind) {
        case undefined:
          return true;
        case 'grant':
          if (m.grants.has(before.grant.id)) m.removeGrant(before.grant.id);
          return true;
        case 'org-member':
          m.removeOrgMember(before.org, before.user);
          return true;
        case 'team-member':
          m.removeTeamMember(before.org, before.team, before.user);
          return true;
        default:
          return false; // an entity went away: its cascade is the rebuild's job
      }
    }
    const isEntity = !['grant', 'org-member', 'team-member'].includes(after.kind);
    if (isEntity && this.skipped > 0) return false;
    try {
      add(m, after);
      return true;
    } catch {
      return false;
    }
  }

  private set(key: string, kv: KeyValue): Entry | undefined {
    try {
      const entry = entryOf(kv);
      if (entry) this.entries.set(key, entry);
      return entry;
    } catch (err) {
      this.entries.delete(key);
      this.invalid++;
      this.onInvalid(key, err);
      return undefined;
    }
  }

  private rebuild(): void {
    const model = new AccessModel();
    // Kinds in dependency order; collections by path, so each parent (a prefix) comes before its children.
    const pathOf = (e: Entry) => (e.kind === 'collection' ? e.path : '');
    const sorted = [...this.entries.values()].sort(
      (a, b) =>
        BUILD_ORDER.indexOf(a.kind) - BUILD_ORDER.indexOf(b.kind) ||
        (pathOf(a) < pathOf(b) ? -1 : pathOf(a) > pathOf(b) ? 1 : 0),
    );
    let skipped = 0;
    for (const entry of sorted) {
      try {
        add(model, entry);
      } catch {
        skipped++;
      }
    }
    this.skipped = skipped;
    this.current = model;
  }
}
