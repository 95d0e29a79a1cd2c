/**
 * Grants: subject (user, team `org/team`, or org) + role + collection. Creating one checks that all three
 * exist and pins each stored one (see identity's `txn.ts`), so none of them can be removed in the same
 * instant and leave the grant dangling; a grant to a removed subject would otherwise pass to the next
 * account of that name.
 */
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import { BUILTIN_ROLES } from '@stevedore/authz';
import {
  commit,
  decode,
  encode,
  identityKeys,
  retrying,
  TxnBuilder,
  type Subject,
  type Written,
} from '@stevedore/identity';
import type { KeyValue } from '@stevedore/store';
import { isDefaultCollection } from './collections.js';
import { isoAt, settled, type AccessContext } from './context.js';
import { accessKeys as keys, grantIdOf } from './keys.js';
import { grantSchema, type GrantRecord } from './records.js';

export type { GrantRecord as Grant };

export interface GrantInput {
  readonly subject: Subject;
  readonly roleId: string;
  readonly collection: string;
}

export interface GrantFilter {
  readonly subject?: Subject;
  readonly roleId?: string;
  readonly collection?: string;
}

export function subjectKeyOf(subject: Subject): string {
  if (subject.kind === 'user') return identityKeys.user(subject.id);
  if (subject.kind === 'org') return identityKeys.org(subject.id);
  const [org, team, extra] = subject.id.split('/');
  if (!org || !team || extra !== undefined) {
    throw new InvalidArgumentError(`a team subject is named "org/team", got ${JSON.stringify(subject.id)}`, {
      detail: { field: 'subject.id' },
    });
  }
  return identityKeys.team(org, team);
}

function checkSubject(subject: unknown): Subject {
  const s = subject as Partial<Subject> | undefined;
  if (
    !s ||
    !['user', 'team', 'org'].includes(String(s.kind)) ||
    typeof s.id !== 'string' ||
    s.id.length === 0
  ) {
    throw new InvalidArgumentError('subject must be { kind: "user" | "team" | "org", id }', {
      detail: { field: 'subject' },
    });
  }
  return { kind: s.kind!, id: s.id };
}

const matches = (g: GrantRecord, f: GrantFilter): boolean =>
  (f.subject === undefined || (g.subject.kind === f.subject.kind && g.subject.id === f.subject.id)) &&
  (f.roleId === undefined || g.roleId === f.roleId) &&
  (f.collection === undefined || g.collection === f.collection);

export class Grants {
  constructor(private readonly ctx: AccessContext) {}

  async list(filter: GrantFilter = {}): Promise<readonly GrantRecord[]> {
    const { kvs } = await this.ctx.store.range(keys.grants);
    return kvs.map((kv) => decode(grantSchema, kv)).filter((g) => matches(g, filter));
  }

  async get(id: string): Promise<GrantRecord> {
    const kv = await this.ctx.store.get(keys.grant(id));
    if (!kv) throw new NotFoundError(`grant ${JSON.stringify(id)} does not exist`);
    return decode(grantSchema, kv);
  }

  async create(input: GrantInput): Promise<Written<GrantRecord>> {
    const subject = checkSubject(input.subject);
    const { roleId, collection } = input;
    const subjectKey = subjectKeyOf(subject);
    const id = grantIdOf(subject, roleId, collection);
    const grant: GrantRecord = { id, subject, roleId, collection, createdAt: isoAt(this.ctx) };
    const revision = await retrying('create the grant', async () => {
      const { store } = this.ctx;
      const builtinRole = BUILTIN_ROLES.some((r) => r.id === roleId);
      const [subjectKv, roleKv, collectionKv, existing] = await Promise.all([
        store.get(subjectKey),
        builtinRole ? undefined : store.get(keys.role(roleId)),
        isDefaultCollection(collection) ? undefined : store.get(keys.collection(collection)),
        store.get(keys.grant(id)),
      ]);
      const missing = (what: string, field: string) =>
        new NotFoundError(`${what} does not exist`, { detail: { field } });
      if (!subjectKv) throw missing(`${subject.kind} ${JSON.stringify(subject.id)}`, 'subject');
      if (!builtinRole && !roleKv) throw missing(`role ${JSON.stringify(roleId)}`, 'roleId');
      if (!isDefaultCollection(collection) && !collectionKv)
        throw missing(`collection ${collection}`, 'collection');
      if (existing) throw new AlreadyExistsError(`this grant already exists (id ${id})`);
      const txn = new TxnBuilder()
        .touch(subjectKv)
        .expect(keys.grant(id), 0)
        .put(keys.grant(id), encode(grant));
      for (const kv of [roleKv, collectionKv]) if (kv) txn.touch(kv);
      return commit(store, txn);
    });
    await this.ctx.afterWrite(revision);
    return { value: grant, revision };
  }

  async delete(id: string): Promise<{ revision: number }> {
    const revision = await retrying('remove the grant', async () => {
      const kv = await this.ctx.store.get(keys.grant(id));
      if (!kv) throw new NotFoundError(`grant ${JSON.stringify(id)} does not exist`);
      return commit(this.ctx.store, new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key));
    });
    return settled(this.ctx, revision);
  }

  /** Adds the removal of every grant held by one of `subjects` to `txn` (for identity's removals). */
  async removeAllOf(subjects: readonly Subject[], txn: TxnBuilder): Promise<void> {
    const { kvs } = await this.ctx.store.range(keys.grants);
    for (const kv of kvs as KeyValue[]) {
      const grant = decode(grantSchema, kv);
      if (subjects.some((subject) => matches(grant, { subject })))
        txn.expectUnchanged(kv.key, kv).delete(kv.key);
    }
  }
}
