/**
 * Roles: the built-in ones come from `@stevedore/authz` and are read-only; custom roles live in the Store.
 * A custom role's id is derived from its name at creation (kebab-case, like the built-in ids), so two
 * roles cannot share a name, and the name is fixed afterwards. A role used by a grant cannot be removed
 * (grants pin their role, so a removal racing with a new grant retries and sees it).
 */
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '@stevedore/errors';
import { BUILTIN_ROLES, isOperation, type Operation } from '@stevedore/authz';
import { commit, decode, encode, retrying, TxnBuilder, type Written } from '@stevedore/identity';
import { isoAt, settled, type AccessContext } from './context.js';
import { accessKeys as keys } from './keys.js';
import { grantSchema, roleSchema, type RoleRecord } from './records.js';

export interface RoleInfo {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly builtin: boolean;
  readonly operations: readonly Operation[];
}

export interface CreateRoleInput {
  readonly name: string;
  readonly description?: string;
  readonly operations: readonly string[];
}

const builtinInfo = (r: (typeof BUILTIN_ROLES)[number]): RoleInfo => ({
  id: r.id,
  name: r.name,
  description: r.description,
  builtin: true,
  operations: [...r.operations],
});

const fromRecord = (r: RoleRecord): RoleInfo => ({
  id: r.id,
  name: r.name,
  description: r.description,
  builtin: false,
  operations: r.operations.filter(isOperation),
});

export function roleIdOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function checkOperations(operations: unknown): Operation[] {
  if (!Array.isArray(operations) || operations.some((op) => typeof op !== 'string')) {
    throw new InvalidArgumentError('operations must be a list of operation names such as "container.view"', {
      detail: { field: 'operations' },
    });
  }
  const unknown = (operations as string[]).filter((op) => !isOperation(op));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown operations: ${unknown.join(', ')}; see GET /api/v1/roles for the list`,
      {
        detail: { field: 'operations', unknown },
      },
    );
  }
  return [...new Set(operations as Operation[])].sort();
}

export class Roles {
  constructor(private readonly ctx: AccessContext) {}

  async list(): Promise<readonly RoleInfo[]> {
    const { kvs } = await this.ctx.store.range(keys.roles);
    return [...BUILTIN_ROLES.map(builtinInfo), ...kvs.map((kv) => fromRecord(decode(roleSchema, kv)))];
  }

  async get(id: string): Promise<RoleInfo> {
    const builtin = BUILTIN_ROLES.find((r) => r.id === id);
    if (builtin) return builtinInfo(builtin);
    const kv = await this.ctx.store.get(keys.role(id));
    if (!kv) throw new NotFoundError(`role ${JSON.stringify(id)} does not exist`);
    return fromRecord(decode(roleSchema, kv));
  }

  async create(input: CreateRoleInput): Promise<Written<RoleInfo>> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    const id = roleIdOf(name);
    if (!id || name.length > 64) {
      throw new InvalidArgumentError('a role name needs 1-64 characters with at least one letter or digit', {
        detail: { field: 'name' },
      });
    }
    const description = typeof input.description === 'string' ? input.description.slice(0, 1024) : '';
    const record: RoleRecord = {
      id,
      name,
      description,
      operations: checkOperations(input.operations),
      createdAt: isoAt(this.ctx),
    };
    const taken = () =>
      new AlreadyExistsError(`a role named ${JSON.stringify(name)} already exists`, {
        detail: { field: 'name' },
      });
    if (BUILTIN_ROLES.some((r) => r.id === id)) throw taken();
    const revision = await retrying('create the role', async () => {
      if (await this.ctx.store.get(keys.role(id))) throw taken();
      return commit(
        this.ctx.store,
        new TxnBuilder().expect(keys.role(id), 0).put(keys.role(id), encode(record)),
      );
    });
    await this.ctx.afterWrite(revision);
    return { value: fromRecord(record), revision };
  }

  /** Changes a custom role's description or operations; takes effect for every grant that uses it. */
  async update(
    id: string,
    patch: { readonly description?: string; readonly operations?: readonly string[] },
  ): Promise<Written<RoleInfo>> {
    if (BUILTIN_ROLES.some((r) => r.id === id)) {
      throw new FailedPreconditionError(
        `role ${JSON.stringify(id)} is built in and cannot be changed; create a custom role`,
      );
    }
    const operations = patch.operations === undefined ? undefined : checkOperations(patch.operations);
    let updated: RoleRecord | undefined;
    const revision = await retrying('update the role', async () => {
      const kv = await this.ctx.store.get(keys.role(id));
      if (!kv) throw new NotFoundError(`role ${JSON.stringify(id)} does not exist`);
      const current = decode(roleSchema, kv);
      updated = {
        ...current,
        description: patch.description ?? current.description,
        operations: operations ?? current.operations,
      };
      return commit(
        this.ctx.store,
        new TxnBuilder().expectUnchanged(kv.key, kv).put(kv.key, encode(updated)),
      );
    });
    await this.ctx.afterWrite(revision);
    return { value: fromRecord(updated!), revision };
  }

  async delete(id: string): Promise<{ revision: number }> {
    if (BUILTIN_ROLES.some((r) => r.id === id)) {
      throw new FailedPreconditionError(`role ${JSON.stringify(id)} is built in and cannot be removed`);
    }
    const revision = await retrying('remove the role', async () => {
      // Read the role before scanning grants: a grant made after this read moves its modRevision.
      const kv = await this.ctx.store.get(keys.role(id));
      if (!kv) throw new NotFoundError(`role ${JSON.stringify(id)} does not exist`);
      const grants = await this.ctx.store.range(keys.grants);
      const used = grants.kvs.filter((g) => decode(grantSchema, g).roleId === id).length;
      if (used > 0) {
        throw new FailedPreconditionError(
          `role ${JSON.stringify(id)} is used by ${used} grant(s); remove those grants first`,
        );
      }
      return commit(this.ctx.store, new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key));
    });
    return settled(this.ctx, revision);
  }
}
