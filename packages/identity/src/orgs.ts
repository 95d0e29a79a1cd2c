/**
 * Orgs and their teams. A team belongs to exactly one org (its key is `org/team`). Creating a team pins the
 * org (see `txn.ts`), so an org removal racing with it retries and takes the new team along. Removing an
 * org removes its teams and all their memberships, its service accounts and their tokens in one commit,
 * with whatever the hooks add (grants to the org and to each team).
 */
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import {
  isoAt,
  settled,
  written,
  type IdentityContext,
  type Page,
  type PageOptions,
  type Subject,
} from './context.js';
import { identityKeys as keys } from './keys.js';
import { checkName } from './names.js';
import { decode, encode, orgSchema, teamSchema, userTokenSchema, type Org, type Team } from './records.js';
import { commit, retrying, TxnBuilder, type Written } from './txn.js';

function checkText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length > max) {
    throw new InvalidArgumentError(`${field} must be a string of at most ${max} characters`, {
      detail: { field },
    });
  }
  return value;
}

export class OrgDirectory {
  constructor(private readonly ctx: IdentityContext) {}

  async create(input: { readonly name: string; readonly fullName?: string }): Promise<Written<Org>> {
    const name = checkName(input.name, 'org');
    const org: Org = {
      name,
      fullName: checkText(input.fullName ?? '', 'fullName', 256),
      createdAt: isoAt(this.ctx),
    };
    const revision = await retrying('create the org', async () => {
      const [existing, user] = await Promise.all([
        this.ctx.store.get(keys.org(name)),
        this.ctx.store.get(keys.user(name)),
      ]);
      if (existing)
        throw new AlreadyExistsError(`org ${name} already exists; choose another name`, {
          detail: { field: 'name' },
        });
      if (user) {
        throw new AlreadyExistsError(`a user is named ${name}; users and orgs share names, choose another`, {
          detail: { field: 'name' },
        });
      }
      const txn = new TxnBuilder()
        .expect(keys.org(name), 0)
        .expect(keys.user(name), 0)
        .put(keys.org(name), encode(org));
      return commit(this.ctx.store, txn);
    });
    return written(this.ctx, org, revision);
  }

  async get(name: string): Promise<Org> {
    const kv = await this.ctx.store.get(keys.org(name));
    if (!kv) throw new NotFoundError(`org ${JSON.stringify(name)} does not exist`);
    return decode(orgSchema, kv);
  }

  async list(options: PageOptions = {}): Promise<Page<Org>> {
    const { kvs, more } = await this.ctx.store.range(keys.orgs, {
      after: options.after === undefined ? undefined : keys.org(options.after),
      limit: options.limit ?? 0,
    });
    return { items: kvs.map((kv) => decode(orgSchema, kv)), more };
  }

  async delete(name: string): Promise<{ revision: number }> {
    const { store } = this.ctx;
    const revision = await retrying('remove the org', async () => {
      const kv = await store.get(keys.org(name));
      if (!kv) throw new NotFoundError(`org ${JSON.stringify(name)} does not exist`);
      const [teams, orgMembers, teamMembers, accounts, accountTokens] = await Promise.all([
        store.range(keys.teamsOf(name)),
        store.range(keys.orgMembers(name)),
        store.range(keys.teamMembersOfOrg(name)),
        store.range(keys.serviceAccounts(name)),
        store.range(keys.serviceAccountTokensOfOrg(name)),
      ]);
      const txn = new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key);
      const removed: Subject[] = [{ kind: 'org', id: name }];
      for (const t of teams.kvs) {
        txn.expectUnchanged(t.key, t).delete(t.key);
        removed.push({ kind: 'team', id: `${name}/${decode(teamSchema, t).name}` });
      }
      for (const m of [...orgMembers.kvs, ...teamMembers.kvs]) txn.delete(m.key);
      for (const a of accounts.kvs) txn.expectUnchanged(a.key, a).delete(a.key);
      for (const t of accountTokens.kvs)
        txn.delete(t.key).delete(keys.token(decode(userTokenSchema, t).hash));
      await this.ctx.hooks.subjectsRemoved?.(removed, txn);
      return commit(store, txn);
    });
    return settled(this.ctx, revision);
  }
}

export class TeamDirectory {
  constructor(private readonly ctx: IdentityContext) {}

  async create(
    org: string,
    input: { readonly name: string; readonly description?: string },
  ): Promise<Written<Team>> {
    const name = checkName(input.name, 'team');
    const team: Team = {
      org,
      name,
      description: checkText(input.description ?? '', 'description', 1024),
      createdAt: isoAt(this.ctx),
    };
    const revision = await retrying('create the team', async () => {
      const [orgKv, existing] = await Promise.all([
        this.ctx.store.get(keys.org(org)),
        this.ctx.store.get(keys.team(org, name)),
      ]);
      if (!orgKv) throw new NotFoundError(`org ${JSON.stringify(org)} does not exist; create it first`);
      if (existing) {
        throw new AlreadyExistsError(`team ${org}/${name} already exists; choose another name`, {
          detail: { field: 'name' },
        });
      }
      const txn = new TxnBuilder()
        .touch(orgKv)
        .expect(keys.team(org, name), 0)
        .put(keys.team(org, name), encode(team));
      return commit(this.ctx.store, txn);
    });
    return written(this.ctx, team, revision);
  }

  async get(org: string, name: string): Promise<Team> {
    const kv = await this.ctx.store.get(keys.team(org, name));
    if (!kv) throw new NotFoundError(`team ${JSON.stringify(`${org}/${name}`)} does not exist`);
    return decode(teamSchema, kv);
  }

  async list(org: string): Promise<readonly Team[]> {
    const [orgKv, teams] = await Promise.all([
      this.ctx.store.get(keys.org(org)),
      this.ctx.store.range(keys.teamsOf(org)),
    ]);
    if (!orgKv) throw new NotFoundError(`org ${JSON.stringify(org)} does not exist`);
    return teams.kvs.map((kv) => decode(teamSchema, kv));
  }

  async delete(org: string, name: string): Promise<{ revision: number }> {
    const { store } = this.ctx;
    const revision = await retrying('remove the team', async () => {
      const kv = await store.get(keys.team(org, name));
      if (!kv) throw new NotFoundError(`team ${JSON.stringify(`${org}/${name}`)} does not exist`);
      const members = await store.range(keys.teamMembers(org, name));
      const txn = new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key);
      for (const m of members.kvs) txn.delete(m.key);
      await this.ctx.hooks.subjectsRemoved?.([{ kind: 'team', id: `${org}/${name}` }], txn);
      return commit(store, txn);
    });
    return settled(this.ctx, revision);
  }
}
