/**
 * Service accounts: robot accounts of an org, for CI systems. They have no password, only tokens (access
 * tokens with the same prefix and lookup, always of scope `registry`), and repository permissions of
 * their own, within their org. A service account logs in to the registry as `<org>+<name>`: `+` is not
 * allowed in account names, so that can never be a user's name.
 *
 * Creating one pins the org, and creating a token pins the service account (see `txn.ts`), so removing an
 * org removes its service accounts and their tokens in the same commit (orgs.ts), and removing a service
 * account removes its tokens in the same commit.
 */
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import { isoAt, settled, written, type IdentityContext } from './context.js';
import { identityKeys as keys } from './keys.js';
import { checkName, isValidName } from './names.js';
import {
  decode,
  encode,
  repositoryAccessSchema,
  serviceAccountSchema,
  userTokenSchema,
  type RepositoryAccess,
  type ServiceAccount,
} from './records.js';
import type { AccessTokenInfo, AccessTokens, CreateTokenInput, NewAccessToken } from './tokens.js';
import { commit, retrying, TxnBuilder, type Written } from './txn.js';

/** The registry login name of a service account. */
export function serviceAccountLogin(org: string, name: string): string {
  return `${org}+${name}`;
}

/** `{ org, name }` for a login name of the form `<org>+<name>`; undefined for anything else. */
export function parseServiceAccountLogin(login: string): { org: string; name: string } | undefined {
  const at = login.indexOf('+');
  if (at < 0) return undefined;
  const org = login.slice(0, at);
  const name = login.slice(at + 1);
  return isValidName(org) && isValidName(name) ? { org, name } : undefined;
}

export interface ServiceAccountRepository {
  readonly name: string;
  readonly access: RepositoryAccess;
}

export interface CreateServiceAccountInput {
  readonly name: string;
  readonly description?: string;
  readonly repositories?: readonly ServiceAccountRepository[];
}

export interface UpdateServiceAccountInput {
  readonly description?: string;
  readonly repositories?: readonly ServiceAccountRepository[];
}

/** A repository path within an org, by the distribution grammar (registry-core's names.ts), or `*`. */
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY_PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

function checkDescription(value: unknown): string {
  if (typeof value !== 'string' || value.length > 1024) {
    throw new InvalidArgumentError('description must be a string of at most 1024 characters', {
      detail: { field: 'description' },
    });
  }
  return value;
}

function checkRepositories(value: unknown): ServiceAccountRepository[] {
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`repositories: ${why}`, { detail: { field: 'repositories' } });
  };
  if (!Array.isArray(value) || value.length > 100) return fail('give a list of at most 100 entries');
  const seen = new Set<string>();
  return value.map((entry: unknown) => {
    const { name, access } = (entry ?? {}) as { name?: unknown; access?: unknown };
    if (typeof name !== 'string' || (name !== '*' && (!REPOSITORY_PATH.test(name) || name.length > 200))) {
      return fail(`${JSON.stringify(name)} is not a repository path within the org (e.g. "app/web") or "*"`);
    }
    if (!repositoryAccessSchema.safeParse(access).success) {
      return fail(`access of ${name} must be "read-only", "read-write" or "admin"`);
    }
    if (seen.has(name)) return fail(`${name} is listed twice`);
    seen.add(name);
    return { name, access: access as RepositoryAccess };
  });
}

export class ServiceAccounts {
  constructor(
    private readonly ctx: IdentityContext,
    private readonly tokens: AccessTokens,
  ) {}

  async create(org: string, input: CreateServiceAccountInput): Promise<Written<ServiceAccount>> {
    const account: ServiceAccount = {
      org,
      name: checkName(input.name, 'service account'),
      description: checkDescription(input.description ?? ''),
      createdAt: isoAt(this.ctx),
      repositories: checkRepositories(input.repositories ?? []),
    };
    const key = keys.serviceAccount(org, account.name);
    const revision = await retrying('create the service account', async () => {
      const [orgKv, existing] = await Promise.all([
        this.ctx.store.get(keys.org(org)),
        this.ctx.store.get(key),
      ]);
      if (!orgKv) throw new NotFoundError(`org ${JSON.stringify(org)} does not exist`);
      if (existing) {
        throw new AlreadyExistsError(
          `service account ${org}/${account.name} already exists; choose another name`,
          { detail: { field: 'name' } },
        );
      }
      const txn = new TxnBuilder().touch(orgKv).expect(key, 0).put(key, encode(account));
      return commit(this.ctx.store, txn);
    });
    return written(this.ctx, account, revision);
  }

  async find(org: string, name: string): Promise<ServiceAccount | undefined> {
    const kv = await this.ctx.store.get(keys.serviceAccount(org, name));
    return kv ? decode(serviceAccountSchema, kv) : undefined;
  }

  async get(org: string, name: string): Promise<ServiceAccount> {
    const account = await this.find(org, name);
    if (!account) throw new NotFoundError(`service account ${org}/${name} does not exist`);
    return account;
  }

  async list(org: string): Promise<readonly ServiceAccount[]> {
    const [orgKv, accounts] = await Promise.all([
      this.ctx.store.get(keys.org(org)),
      this.ctx.store.range(keys.serviceAccounts(org)),
    ]);
    if (!orgKv) throw new NotFoundError(`org ${JSON.stringify(org)} does not exist`);
    return accounts.kvs.map((kv) => decode(serviceAccountSchema, kv));
  }

  async update(
    org: string,
    name: string,
    patch: UpdateServiceAccountInput,
  ): Promise<Written<ServiceAccount>> {
    const changes: Partial<ServiceAccount> = {};
    if (patch.description !== undefined) changes.description = checkDescription(patch.description);
    if (patch.repositories !== undefined) changes.repositories = checkRepositories(patch.repositories);
    let account: ServiceAccount | undefined;
    const revision = await retrying('update the service account', async () => {
      const kv = await this.ctx.store.get(keys.serviceAccount(org, name));
      if (!kv) throw new NotFoundError(`service account ${org}/${name} does not exist`);
      account = { ...decode(serviceAccountSchema, kv), ...changes };
      return commit(
        this.ctx.store,
        new TxnBuilder().expectUnchanged(kv.key, kv).put(kv.key, encode(account)),
      );
    });
    return written(this.ctx, account!, revision);
  }

  async delete(org: string, name: string): Promise<{ revision: number }> {
    const { store } = this.ctx;
    const revision = await retrying('remove the service account', async () => {
      const kv = await store.get(keys.serviceAccount(org, name));
      if (!kv) throw new NotFoundError(`service account ${org}/${name} does not exist`);
      const tokens = await store.range(keys.serviceAccountTokens(org, name));
      const txn = new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key);
      for (const t of tokens.kvs) txn.delete(t.key).delete(keys.token(decode(userTokenSchema, t).hash));
      return commit(store, txn);
    });
    return settled(this.ctx, revision);
  }

  /** A token for the service account; always of scope `registry` (service accounts have no REST access). */
  createToken(org: string, name: string, input: Omit<CreateTokenInput, 'scope'>): Promise<NewAccessToken> {
    return this.tokens.issue(
      {
        ownerKey: keys.serviceAccount(org, name),
        missing: `service account ${org}/${name} does not exist`,
        indexKey: (id) => keys.serviceAccountToken(org, name, id),
        user: serviceAccountLogin(org, name),
        serviceAccount: { org, name },
      },
      { ...input, scope: 'registry' },
    );
  }

  async listTokens(org: string, name: string): Promise<readonly AccessTokenInfo[]> {
    await this.get(org, name);
    return this.tokens.listIndex(keys.serviceAccountTokens(org, name));
  }

  revokeToken(org: string, name: string, id: string): Promise<{ revision: number }> {
    return this.tokens.revokeIndexed(
      keys.serviceAccountToken(org, name, id),
      `service account ${org}/${name} has no token ${JSON.stringify(id)}`,
    );
  }
}
