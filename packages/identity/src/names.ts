/**
 * Name rules for users, orgs and teams (UCP's): 1–64 characters of lowercase letters, digits, `.`, `_` and
 * `-`, starting with a letter or digit. Lowercase only, so names are case-insensitive at login without
 * two accounts differing only in case; no `/`, so names are safe as Store key segments.
 */
import { InvalidArgumentError } from '@stevedore/errors';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}

/** Returns `name` or throws InvalidArgument naming `field` and the rule. */
export function checkName(
  name: unknown,
  what: 'user' | 'org' | 'team' | 'service account',
  field = 'name',
): string {
  if (isValidName(name)) return name;
  const shown = typeof name === 'string' ? JSON.stringify(name) : String(name);
  throw new InvalidArgumentError(
    `invalid ${what} name ${shown}: use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
    { detail: { field } },
  );
}
