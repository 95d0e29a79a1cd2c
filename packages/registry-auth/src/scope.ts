/**
 * Token scopes, by the grammar of distribution's "Token Scope Documentation":
 *
 *   scope         := resourcescope [ ' ' resourcescope ]*
 *   resourcescope := resourcetype ":" resourcename ":" action [ ',' action ]*
 *   resourcetype  := /[a-z0-9]+/ [ '(' /[a-z0-9]+/ ')' ]
 *
 * Two resource types exist here: `repository:<name>:<pull|push|delete|*>` (the name by the OCI name grammar,
 * so it may hold `/`; a class such as `repository(plugin)` is kept but, as the spec says, ignored when
 * authorizing) and `registry:catalog:*`.
 *
 * Invariants: a parsed list holds one Scope per (type, name), its actions merged, deduplicated and in the
 * canonical order pull, push, delete, *; anything else is refused with an InvalidArgumentError that quotes
 * the bad scope and the expected form. The number of scopes and their lengths are capped, so a token
 * request cannot make the token service do unbounded work.
 */
import { InvalidArgumentError } from '@stevedore/errors';

export type RepositoryAction = 'pull' | 'push' | 'delete' | '*';
export type ResourceType = 'repository' | 'registry';

export interface Scope {
  readonly type: ResourceType;
  /** The deprecated resource class (`plugin` in `repository(plugin)`), kept for formatting only. */
  readonly class?: string;
  readonly name: string;
  readonly actions: readonly RepositoryAction[];
}

export const MAX_SCOPES = 32;
/** Longest single scope: a 255-character name plus type, class and every action fit well within. */
export const MAX_SCOPE_LENGTH = 512;

const ACTION_ORDER: readonly RepositoryAction[] = ['pull', 'push', 'delete', '*'];
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TYPE = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;
const MAX_NAME_LENGTH = 255;
const FORM =
  'expected repository:<name>:<actions> (actions among pull, push, delete, *) or registry:catalog:*';

function bad(scope: string, why: string): never {
  const shown = scope.length > 80 ? `${scope.slice(0, 80)}…` : scope;
  throw new InvalidArgumentError(`invalid scope "${shown}": ${why}; ${FORM}`, {
    detail: { field: 'scope', scope: shown },
  });
}

function parseOne(text: string): Scope {
  if (text.length > MAX_SCOPE_LENGTH) bad(text, `longer than ${MAX_SCOPE_LENGTH} characters`);
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first === -1 || last === first) bad(text, 'it needs a resource type, a name and actions');
  const typeMatch = TYPE.exec(text.slice(0, first));
  if (!typeMatch) bad(text, 'the resource type must be lower-case letters and digits');
  const [, type = '', resourceClass] = typeMatch;
  const name = text.slice(first + 1, last);
  const actionList = text.slice(last + 1);
  const actions = actionList.split(',');
  if (actions.some((a) => a === '')) bad(text, 'an action is empty');
  if (type === 'registry') {
    if (resourceClass !== undefined) bad(text, 'the registry resource type has no class');
    if (name !== 'catalog') bad(text, `unknown registry resource "${name}"`);
    if (actions.some((a) => a !== '*')) bad(text, 'the only action on registry:catalog is *');
    return { type, name, actions: ['*'] };
  }
  if (type !== 'repository') bad(text, `unknown resource type "${type}"`);
  if (name.length > MAX_NAME_LENGTH) bad(text, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  if (!NAME.test(name)) bad(text, `"${name}" is not a repository name`);
  const unknown = actions.find((a) => !(ACTION_ORDER as readonly string[]).includes(a));
  if (unknown !== undefined) bad(text, `unknown action "${unknown}"`);
  return {
    type,
    ...(resourceClass !== undefined ? { class: resourceClass } : {}),
    name,
    actions: canonicalActions(actions as RepositoryAction[]),
  };
}

function canonicalActions(actions: readonly RepositoryAction[]): RepositoryAction[] {
  return ACTION_ORDER.filter((a) => actions.includes(a));
}

/**
 * The scopes of a token request: each value (one `scope` query parameter) may hold several scopes
 * separated by spaces; scopes of one resource are merged. Empty values are allowed (a request for no
 * access, which the spec permits).
 */
export function parseScopes(values: readonly string[]): Scope[] {
  const merged = new Map<string, Scope>();
  let count = 0;
  for (const value of values) {
    if (value.length > MAX_SCOPES * (MAX_SCOPE_LENGTH + 1)) {
      throw new InvalidArgumentError(
        `the scope parameter is too long; ask for at most ${MAX_SCOPES} scopes`,
        {
          detail: { field: 'scope' },
        },
      );
    }
    for (const text of value.split(' ')) {
      if (text === '') continue;
      if (++count > MAX_SCOPES) {
        throw new InvalidArgumentError(
          `too many scopes: ask for at most ${MAX_SCOPES} in one token request`,
          {
            detail: { field: 'scope', max: MAX_SCOPES },
          },
        );
      }
      const scope = parseOne(text);
      const key = `${scope.type}:${scope.name}`;
      const seen = merged.get(key);
      merged.set(
        key,
        seen ? { ...seen, actions: canonicalActions([...seen.actions, ...scope.actions]) } : scope,
      );
    }
  }
  return [...merged.values()];
}

/** `repository:lib/app:pull,push`, the form challenges and token requests carry. */
export function formatScope(scope: Scope): string {
  const type = scope.class !== undefined ? `${scope.type}(${scope.class})` : scope.type;
  return `${type}:${scope.name}:${scope.actions.join(',')}`;
}
