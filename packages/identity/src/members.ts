/**
 * Org and team membership. Adding a user to a team makes them a member of its org too; removing a user
 * from an org removes them from its teams. Every add pins the user, the org (and the team), so a removal of
 * any of them that races with it retries and takes the new membership along. Adds are idempotent (PUT
 * semantics, as UCP's API); removes of a non-member are NotFound. An org membership may make the member an
 * org admin (`addToOrg(org, user, { admin: true })`; adding again with another flag changes it, adding
 * without one keeps it); a member added through a team is not an org admin.
 */
import { NotFoundError } from '@stevedore/errors';
import type { KeyValue } from '@stevedore/store';
import { isoAt, settled, type IdentityContext } from './context.js';
import { identityKeys as keys } from './keys.js';
import { decode, encode, membershipSchema } from './records.js';
import { commit, retrying, TxnBuilder } from './txn.js';

function must(kv: KeyValue | undefined, what: string): KeyValue {
  if (!kv) throw new NotFoundError(`${what} does not exist`);
  return kv;
}

const lastSegment = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

export interface OrgMember {
  readonly user: string;
  readonly admin: boolean;
}

export class Memberships {
  constructor(private readonly ctx: IdentityContext) {}

  async addToOrg(
    org: string,
    user: string,
    options: { readonly admin?: boolean } = {},
  ): Promise<{ revision: number }> {
    const { store } = this.ctx;
    const revision = await retrying('add the org member', async () => {
      const [orgKv, userKv, member] = await Promise.all([
        store.get(keys.org(org)),
        store.get(keys.user(user)),
        store.get(keys.orgMember(org, user)),
      ]);
      const txn = new TxnBuilder().touch(must(orgKv, `org ${JSON.stringify(org)}`));
      txn.touch(must(userKv, `user ${JSON.stringify(user)}`));
      const was = member ? decode(membershipSchema, member) : undefined;
      const admin = options.admin ?? was?.admin ?? false;
      if (was && (was.admin ?? false) === admin) return member!.modRevision;
      txn.expectUnchanged(keys.orgMember(org, user), member);
      txn.put(keys.orgMember(org, user), encode({ addedAt: was?.addedAt ?? isoAt(this.ctx), admin }));
      return commit(store, txn);
    });
    return settled(this.ctx, revision);
  }

  async addToTeam(org: string, team: string, user: string): Promise<{ revision: number }> {
    const { store } = this.ctx;
    const revision = await retrying('add the team member', async () => {
      const [orgKv, teamKv, userKv, orgMember, teamMember] = await Promise.all([
        store.get(keys.org(org)),
        store.get(keys.team(org, team)),
        store.get(keys.user(user)),
        store.get(keys.orgMember(org, user)),
        store.get(keys.teamMember(org, team, user)),
      ]);
      const txn = new TxnBuilder().touch(must(orgKv, `org ${JSON.stringify(org)}`));
      txn.touch(must(teamKv, `team ${JSON.stringify(`${org}/${team}`)}`));
      txn.touch(must(userKv, `user ${JSON.stringify(user)}`));
      if (teamMember && orgMember) return teamMember.modRevision;
      const addedAt = encode({ addedAt: isoAt(this.ctx) });
      txn
        .expectUnchanged(keys.teamMember(org, team, user), teamMember)
        .put(keys.teamMember(org, team, user), addedAt);
      if (!orgMember) txn.expect(keys.orgMember(org, user), 0).put(keys.orgMember(org, user), addedAt);
      return commit(store, txn);
    });
    return settled(this.ctx, revision);
  }

  async removeFromOrg(org: string, user: string): Promise<{ revision: number }> {
    const { store } = this.ctx;
    const revision = await retrying('remove the org member', async () => {
      // Read the org before scanning: a team add after this read moves the org's modRevision.
      const [orgKv, member] = await Promise.all([
        store.get(keys.org(org)),
        store.get(keys.orgMember(org, user)),
      ]);
      const teamMembers = await store.range(keys.teamMembersOfOrg(org));
      const orgRecord = must(orgKv, `org ${JSON.stringify(org)}`);
      if (!member) throw new NotFoundError(`user ${JSON.stringify(user)} is not a member of org ${org}`);
      // Team adds pin the org, so comparing it keeps a concurrent team add from slipping past this removal.
      const txn = new TxnBuilder()
        .expectUnchanged(orgRecord.key, orgRecord)
        .expectUnchanged(member.key, member);
      txn.delete(member.key);
      for (const m of teamMembers.kvs) if (lastSegment(m.key) === user) txn.delete(m.key);
      return commit(store, txn);
    });
    return settled(this.ctx, revision);
  }

  async removeFromTeam(org: string, team: string, user: string): Promise<{ revision: number }> {
    const revision = await retrying('remove the team member', async () => {
      const member = await this.ctx.store.get(keys.teamMember(org, team, user));
      if (!member)
        throw new NotFoundError(`user ${JSON.stringify(user)} is not a member of team ${org}/${team}`);
      return commit(this.ctx.store, new TxnBuilder().expectUnchanged(member.key, member).delete(member.key));
    });
    return settled(this.ctx, revision);
  }

  async listOrgMembers(org: string): Promise<readonly OrgMember[]> {
    const [orgKv, members] = await Promise.all([
      this.ctx.store.get(keys.org(org)),
      this.ctx.store.range(keys.orgMembers(org)),
    ]);
    must(orgKv, `org ${JSON.stringify(org)}`);
    return members.kvs.map((kv) => ({
      user: lastSegment(kv.key),
      admin: decode(membershipSchema, kv).admin ?? false,
    }));
  }

  async listTeamMembers(org: string, team: string): Promise<readonly string[]> {
    const [teamKv, members] = await Promise.all([
      this.ctx.store.get(keys.team(org, team)),
      this.ctx.store.range(keys.teamMembers(org, team)),
    ]);
    must(teamKv, `team ${JSON.stringify(`${org}/${team}`)}`);
    return members.kvs.map((kv) => lastSegment(kv.key));
  }

  /** The user's orgs and teams (`org/team`); a scan, meant for `/api/v1/me`-like reads. */
  async of(user: string): Promise<{ readonly orgs: readonly string[]; readonly teams: readonly string[] }> {
    const [orgMembers, teamMembers] = await Promise.all([
      this.ctx.store.range(keys.orgMembersAll),
      this.ctx.store.range(keys.teamMembersAll),
    ]);
    const mine = (kvs: readonly KeyValue[], prefix: string) =>
      kvs
        .filter((kv) => lastSegment(kv.key) === user)
        .map((kv) => kv.key.slice(prefix.length, -(user.length + 1)));
    return {
      orgs: mine(orgMembers.kvs, keys.orgMembersAll),
      teams: mine(teamMembers.kvs, keys.teamMembersAll),
    };
  }
}
