/**
 * What a token grants: each requested scope cut down to what the caller may do, as the token
 * specification says ("the token service may grant fewer actions than requested, or none"): a scope the
 * caller may not have is dropped, not refused, so a private repository looks exactly like a missing one.
 */
import { formatScope, type RepositoryAction, type Scope } from '@stevedore/registry-auth';

const REPOSITORY_ACTIONS = ['pull', 'push', 'delete'] as const;

export interface GrantContext {
  /** What the caller may do on one repository (pull, push, delete); an empty set when nothing. */
  readonly actionsOn: (repository: string) => Promise<ReadonlySet<string>>;
  /** `registry:catalog:*`: administrators only (our registry filters the catalog without it). */
  readonly mayListCatalog: boolean;
}

export async function grantScopes(scopes: readonly Scope[], ctx: GrantContext): Promise<readonly Scope[]> {
  const granted = await Promise.all(scopes.map((scope) => grantOne(scope, ctx)));
  return granted.filter((scope): scope is Scope => scope !== undefined);
}

async function grantOne(scope: Scope, ctx: GrantContext): Promise<Scope | undefined> {
  if (scope.type === 'registry') {
    return scope.name === 'catalog' && ctx.mayListCatalog ? { ...scope, actions: ['*'] } : undefined;
  }
  const may = await ctx.actionsOn(scope.name);
  const everything = scope.actions.includes('*');
  const actions: RepositoryAction[] = REPOSITORY_ACTIONS.filter(
    (a) => (everything || scope.actions.includes(a)) && may.has(a),
  );
  if (actions.length === 0) return undefined;
  if (everything && actions.length === REPOSITORY_ACTIONS.length) actions.push('*');
  return { ...scope, actions };
}

/** The scopes as the answer's `scope` field writes them (OAuth2: space-separated). */
export function formatGranted(scopes: readonly Scope[]): string {
  return scopes.map(formatScope).join(' ');
}
