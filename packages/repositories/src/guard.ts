/**
 * The checks every service method starts with. A repository the caller may not see is answered exactly
 * as a missing one (same class, same message), so names cannot be probed; one the caller sees but may
 * not change is PermissionDenied.
 */
export { checkPath, repositoryNotFound } from './names.js';
import { PermissionDeniedError } from '@stevedore/errors';
import { isValidName } from '@stevedore/identity';
import type { RepositoryAuthorizer } from './authorizer.js';
import type { Decided } from './decision.js';
import { repositoryNotFound } from './names.js';
import type { RegistrySubject } from './subject.js';
import type { Repository } from './records.js';

export interface Seen extends Decided {
  readonly repository: Repository;
  readonly path: string;
}

/** The repository as `subject` sees it; NotFound when missing or not visible. */
export async function visible(
  authorizer: RepositoryAuthorizer,
  subject: RegistrySubject,
  namespace: string,
  name: string,
): Promise<Seen> {
  const path = `${namespace}/${name}`;
  if (!isValidName(namespace) || name.length === 0) throw repositoryNotFound(path);
  const decided = await authorizer.decide(subject, path);
  if (!decided.repository || decided.actions.size === 0) throw repositoryNotFound(path);
  return { ...decided, repository: decided.repository, path };
}

/** As `visible`, and the subject may administer it (admin access: pull, push and delete). */
export async function managed(
  authorizer: RepositoryAuthorizer,
  subject: RegistrySubject,
  namespace: string,
  name: string,
): Promise<Seen> {
  const seen = await visible(authorizer, subject, namespace, name);
  if (!seen.actions.has('delete')) {
    throw new PermissionDeniedError(
      `changing repository ${seen.path} needs admin access on it; ask an org admin or a repository admin`,
    );
  }
  return seen;
}
