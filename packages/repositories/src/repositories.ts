/**
 * Repository records: create, read, list, change, delete, and the registry's create-on-push. Every
 * method takes the subject it acts for and applies the decision (guard.ts): what the subject may not see
 * answers NotFound exactly as what does not exist.
 *
 * Writes are identity's optimistic transactions (identity's txn.ts). Creating a repository pins the
 * namespace's owner (the user or org record), so a removal of that account racing with it retries and
 * sees the new repository (and is refused: see hooks.ts). Registry content is not touched here: `delete`
 * calls the `removeContent` seam first (the lead's registry part), then removes the record.
 */
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
} from '@stevedore/errors';
import {
  commit,
  decode,
  encode,
  identityKeys,
  membershipSchema,
  retrying,
  TxnBuilder,
  userSchema,
} from '@stevedore/identity';
import type { Store } from '@stevedore/store';
import type { RepositoryAuthorizer } from './authorizer.js';
import { infoOf, loginOf, type RepositoryInfo } from './info.js';
import type { RegistrySubject } from './subject.js';
import { managed, visible } from './guard.js';
import { checkPath, repositoryNotFound } from './names.js';
import { ownerOf, type OnPush } from './create-on-push.js';
import { repositoryKeys as keys, splitPath } from './keys.js';
import {
  checkedField,
  repositorySchema,
  visibilitySchema,
  type Action,
  type Repository,
  type Visibility,
} from './records.js';

export interface CreateRepositoryInput {
  readonly namespace: string;
  readonly name: string;
  readonly visibility?: Visibility;
  readonly description?: string;
}

export interface ListRepositoriesOptions {
  readonly namespace?: string;
  /** Case-insensitive substring of the path. */
  readonly search?: string;
  readonly limit?: number;
  /** The last path of the previous page. */
  readonly after?: string;
}

export interface RepositoryServiceOptions {
  /** ISO time source; tests inject a fake clock. */
  readonly now?: () => number;
  /** Removes the registry content of a repository (manifests, tags, layer links); called before the record goes. */
  readonly removeContent?: (path: string) => Promise<void>;
}

const ORDER: readonly Action[] = ['pull', 'push', 'delete'];

function checkDescription(value: unknown): string {
  if (typeof value !== 'string' || value.length > 1024) {
    throw new InvalidArgumentError('description must be a string of at most 1024 characters', {
      detail: { field: 'description' },
    });
  }
  return value;
}

const checkVisibility = (value: unknown): Visibility =>
  checkedField(visibilitySchema, value, 'visibility', 'visibility must be "public" or "private"');

export class RepositoryService {
  constructor(
    private readonly store: Store,
    private readonly authorizer: RepositoryAuthorizer,
    private readonly options: RepositoryServiceOptions = {},
  ) {}

  private iso(): string {
    return new Date((this.options.now ?? Date.now)()).toISOString();
  }

  /** A user creates in their own namespace, an org admin in their org, an administrator anywhere. */
  async create(subject: RegistrySubject, input: CreateRepositoryInput): Promise<RepositoryInfo> {
    const path = checkPath(input.namespace, input.name);
    const { namespace, name } = splitPath(path)!;
    const repo: Repository = {
      namespace,
      name,
      visibility: checkVisibility(input.visibility ?? 'private'),
      description: checkDescription(input.description ?? ''),
      createdAt: this.iso(),
      createdBy: loginOf(subject),
      teams: {},
    };
    await retrying('create the repository', async () => {
      const [owner, existing, caller, member] = await Promise.all([
        this.ownerOf(namespace),
        this.store.get(keys.repository(namespace, name)),
        subject.kind === 'user' ? this.store.get(identityKeys.user(subject.name)) : undefined,
        subject.kind === 'user' ? this.store.get(identityKeys.orgMember(namespace, subject.name)) : undefined,
      ]);
      const user = caller ? decode(userSchema, caller) : undefined;
      const orgAdmin = member !== undefined && (decode(membershipSchema, member).admin ?? false);
      const allowed =
        user?.active === true &&
        (user.admin ||
          (owner?.kind === 'user' && namespace === user.name) ||
          (owner?.kind === 'org' && orgAdmin));
      // Only those who may see the namespace learn whether it exists: a member of the org (who is told
      // who may create there), its owner, an administrator. Everyone else gets the answer for a missing one.
      const seesNamespace = allowed || member !== undefined;
      if (!owner || !seesNamespace) {
        throw new NotFoundError(
          `namespace ${namespace} is neither a user nor an org you may create repositories in; ` +
            'use your own user name, or an org where you are an org admin',
          { detail: { field: 'namespace' } },
        );
      }
      if (!allowed) {
        throw new PermissionDeniedError(
          `you may not create repositories in ${namespace}: only its owner, its org admins and administrators may`,
        );
      }
      if (existing) {
        throw new AlreadyExistsError(`repository ${path} already exists; choose another name`, {
          detail: { field: 'name' },
        });
      }
      const txn = new TxnBuilder().touch(owner.kv).expect(keys.repository(namespace, name), 0);
      txn.put(keys.repository(namespace, name), encode(repo));
      return commit(this.store, txn);
    });
    return infoOf(repo, new Set(ORDER));
  }

  async get(subject: RegistrySubject, namespace: string, name: string): Promise<RepositoryInfo> {
    const seen = await visible(this.authorizer, subject, namespace, name);
    return infoOf(seen.repository, seen.actions);
  }

  /** What the subject may see, in path order, a page at a time. */
  async list(
    subject: RegistrySubject,
    options: ListRepositoriesOptions = {},
  ): Promise<{ readonly items: readonly RepositoryInfo[]; readonly next: string | null }> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const search = options.search?.toLowerCase();
    const prefix = options.namespace === undefined ? keys.repositories : keys.inNamespace(options.namespace);
    const actionsOf = await this.authorizer.preload(subject);
    const items: RepositoryInfo[] = [];
    let after = options.after === undefined ? undefined : `${keys.repositories}${options.after}`;
    for (;;) {
      const page = await this.store.range(prefix, { after, limit: 500 });
      for (const kv of page.kvs) {
        const repo = decode(repositorySchema, kv);
        const path = `${repo.namespace}/${repo.name}`;
        if (search !== undefined && !path.includes(search)) continue;
        const actions = actionsOf(path);
        if (actions.size === 0) continue;
        if (items.length === limit) return { items, next: items[items.length - 1]!.path };
        items.push(infoOf(repo, actions));
      }
      if (!page.more) return { items, next: null };
      after = page.kvs[page.kvs.length - 1]!.key;
    }
  }

  async update(
    subject: RegistrySubject,
    namespace: string,
    name: string,
    patch: { readonly visibility?: Visibility; readonly description?: string },
  ): Promise<RepositoryInfo> {
    const changes: Partial<Repository> = {};
    if (patch.visibility !== undefined) changes.visibility = checkVisibility(patch.visibility);
    if (patch.description !== undefined) changes.description = checkDescription(patch.description);
    let result: RepositoryInfo | undefined;
    await retrying('update the repository', async () => {
      const seen = await managed(this.authorizer, subject, namespace, name);
      const kv = await this.store.get(keys.repository(namespace, name));
      if (!kv) throw repositoryNotFound(seen.path);
      const next = { ...decode(repositorySchema, kv), ...changes };
      result = infoOf(next, seen.actions);
      return commit(this.store, new TxnBuilder().expectUnchanged(kv.key, kv).put(kv.key, encode(next)));
    });
    return result!;
  }

  async delete(subject: RegistrySubject, namespace: string, name: string): Promise<void> {
    const seen = await managed(this.authorizer, subject, namespace, name);
    await this.options.removeContent?.(seen.path);
    await retrying('delete the repository', async () => {
      const kv = await this.store.get(keys.repository(namespace, name));
      if (!kv) return 0; // removed meanwhile: the result is the same
      return commit(this.store, new TxnBuilder().expectUnchanged(kv.key, kv).delete(kv.key));
    });
  }

  /** For the registry's create-on-push; see `RepositoryAuthorizer.ensureOnPush`. */
  ensureOnPush(path: string, subject: RegistrySubject): Promise<OnPush> {
    return this.authorizer.ensureOnPush(path, subject);
  }

  private ownerOf(namespace: string) {
    return ownerOf(this.store, namespace);
  }
}
