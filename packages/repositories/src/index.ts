/**
 * Registry repositories (DTR's model): records, team access, namespace settings, and the decision of who
 * may pull, push and delete.
 *
 * ```ts
 * const repositories = createRepositories(store);
 * const identity = createIdentity(store, { hooks: combineHooks(access.identityHooks, repositories.identityHooks) });
 * await repositories.service.create({ kind: 'user', name: 'alice' }, { namespace: 'alice', name: 'app' });
 * const actions = await repositories.authorizer.actions({ kind: 'user', name: 'bob' }, 'alice/app'); // Set {}
 * ```
 */
import type { IdentityHooks } from '@stevedore/identity';
import type { Store } from '@stevedore/store';
import { RepositoryAuthorizer } from './authorizer.js';
import { repositoryHooks } from './hooks.js';
import { RepositoryPermissions } from './permissions.js';
import { RegistrySettingsStore } from './registry-settings.js';
import { RepositoryService, type RepositoryServiceOptions } from './repositories.js';

export interface Repositories {
  readonly authorizer: RepositoryAuthorizer;
  readonly service: RepositoryService;
  readonly permissions: RepositoryPermissions;
  readonly settings: RegistrySettingsStore;
  /** Pass to identity (combined with access's): refuses removing an owner of repositories, cleans up teams. */
  readonly identityHooks: IdentityHooks;
}

export function createRepositories(store: Store, options: RepositoryServiceOptions = {}): Repositories {
  const authorizer = new RepositoryAuthorizer(store);
  return {
    authorizer,
    service: new RepositoryService(store, authorizer, options),
    permissions: new RepositoryPermissions(store, authorizer),
    settings: new RegistrySettingsStore(store),
    identityHooks: repositoryHooks(store),
  };
}

export { RepositoryAuthorizer } from './authorizer.js';
export type { RegistrySubject } from './subject.js';
export { actionsFor, isVisible, type Decided, type NamespaceInfo, type ResolvedSubject } from './decision.js';
export type { OnPush } from './create-on-push.js';
export type { RepositoryInfo } from './info.js';
export { REGISTRY_ACCESS_PREFIX, repositoryKeys, splitPath } from './keys.js';
export {
  DEFAULT_NAMESPACE_SETTINGS,
  DEFAULT_REGISTRY_SETTINGS,
  type Action,
  type NamespaceSettings,
  type RegistrySettings,
  type Repository,
  type RepositoryAccess,
  type Visibility,
} from './records.js';
export {
  RepositoryService,
  type CreateRepositoryInput,
  type ListRepositoriesOptions,
  type RepositoryServiceOptions,
} from './repositories.js';
export {
  RepositoryPermissions,
  type NamespacePatch,
  type NamespaceView,
  type TeamAccess,
} from './permissions.js';
export { RegistrySettingsStore } from './registry-settings.js';
export { repositoryHooks } from './hooks.js';
export { storeRepositoryContent, type RepositoryContent, type TagInfo } from './content.js';
