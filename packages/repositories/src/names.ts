/** Repository paths: their validation, and the one NotFound that missing and hidden repositories share. */
import { InvalidArgumentError, NotFoundError } from '@stevedore/errors';
import { isValidName } from '@stevedore/identity';
import { checkName as checkRepositoryName } from '@stevedore/registry-core';

export function repositoryNotFound(path: string): NotFoundError {
  return new NotFoundError(`repository ${path} does not exist, or you may not see it`);
}

/** `namespace/name` by the distribution grammar, with a namespace that can be an account name. */
export function checkPath(namespace: unknown, name: unknown): string {
  if (!isValidName(namespace)) {
    throw new InvalidArgumentError(
      `invalid namespace ${JSON.stringify(namespace)}: a namespace is a user or org name`,
      { detail: { field: 'namespace' } },
    );
  }
  const bad = () =>
    new InvalidArgumentError(
      `invalid repository name ${JSON.stringify(name)}: use lower-case letters and digits with separators (. _ __ -), components joined by "/", at most 255 characters with the namespace`,
      { detail: { field: 'name' } },
    );
  if (typeof name !== 'string' || name.length === 0) throw bad();
  try {
    return checkRepositoryName(`${namespace}/${name}`);
  } catch {
    throw bad();
  }
}
