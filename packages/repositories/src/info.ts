/** A repository as the API shows it to one caller, and the login name a subject creates things as. */
import type { Action, Repository, Visibility } from './records.js';
import type { RegistrySubject } from './subject.js';

export interface RepositoryInfo {
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name`, as `docker pull <registry>/<path>` names it. */
  readonly path: string;
  readonly visibility: Visibility;
  readonly description: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** What the caller may do: for the UI's buttons. */
  readonly actions: readonly Action[];
}

const ORDER: readonly Action[] = ['pull', 'push', 'delete'];
const sorted = (actions: ReadonlySet<Action>) => ORDER.filter((a) => actions.has(a));

export function infoOf(repo: Repository, actions: ReadonlySet<Action>): RepositoryInfo {
  const { namespace, name, visibility, description, createdAt, createdBy } = repo;
  return {
    namespace,
    name,
    path: `${namespace}/${name}`,
    visibility,
    description,
    createdAt,
    createdBy,
    actions: sorted(actions),
  };
}

/** Who created a record: a user's name, a service account's `<org>+<name>`. */
export const loginOf = (subject: RegistrySubject): string =>
  subject.kind === 'user'
    ? subject.name
    : subject.kind === 'service-account'
      ? `${subject.org}+${subject.name}`
      : 'anonymous';
