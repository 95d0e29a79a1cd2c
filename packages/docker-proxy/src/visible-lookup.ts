/**
 * Finding the resource a caller names, so that what the caller sees is exactly "only what I may view
 * exists". The engine resolves a reference among every resource (full id, then exact name, then a unique
 * id prefix); when what it finds is not visible to the caller, or it finds the prefix ambiguous, the
 * reference is resolved again, the engine's way, among only the resources of that type the caller may view.
 * Without that, a 404 against a 500 for an ambiguous prefix would count the caller's invisible neighbours.
 *
 * Only a *target* may be resolved among the visible: a resource the planner then sends on by its full id
 * (the path's `{id}`, connect's container, commit's container). A reference the engine resolves again
 * itself (a network or secret named in a create's body) is taken as the engine resolves it, since the
 * engine would act on that one, whatever we found: invisible or ambiguous there is the engine's own 404.
 */
import type { ResourceType } from './operations/index.js';
import type { Operation } from '@stevedore/authz';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';
import type { EngineLookups } from './engine-api.js';
import { EngineFailure, isEngineAnswer } from './engine-failure.js';
import { filterList } from './list-filter.js';
import { notFound } from './refusals.js';
import type { Located, Resolver } from './resolver.js';

type Json = Record<string, unknown>;

export interface LookupContext {
  readonly engine: EngineLookups;
  readonly resolver: Resolver;
  readonly access: ProxyAccess;
  readonly caller: ProxyCaller;
}

/** Lists to resolve a reference among; exec instances and volumes have none (no prefixes, unique names). */
const LIST_OF: Partial<Record<ResourceType, string>> = {
  container: '/containers/json?all=1',
  service: '/services',
  task: '/tasks',
  node: '/nodes',
  network: '/networks',
  secret: '/secrets',
  config: '/configs',
};

function namesOf(type: ResourceType, item: Json): string[] {
  const spec = (item['Spec'] ?? {}) as Json;
  const description = (item['Description'] ?? {}) as Json;
  const names =
    type === 'container'
      ? ((item['Names'] as unknown[] | null) ?? []).map((n) => String(n).replace(/^\//, ''))
      : type === 'network'
        ? [item['Name']]
        : type === 'node'
          ? [spec['Name'], description['Hostname']]
          : type === 'task'
            ? []
            : [spec['Name']];
  return names.filter((n): n is string => typeof n === 'string' && n !== '');
}

/** The engine's order among `items`: full id, then exact name, then a unique id prefix; else none. */
export function pickAmong(type: ResourceType, ref: string, items: readonly Json[]): string | undefined {
  const name = type === 'container' ? ref.replace(/^\//, '') : ref;
  const idOf = (item: Json) => {
    const id = item['Id'] ?? item['ID'];
    return typeof id === 'string' ? id : '';
  };
  const only = (found: Json[]) => (found.length === 1 ? idOf(found[0]!) : undefined);
  const byId = items.filter((item) => idOf(item) === ref);
  if (byId.length > 0) return only(byId);
  const byName = items.filter((item) => namesOf(type, item).includes(name));
  if (byName.length > 0) return only(byName);
  return only(items.filter((item) => ref !== '' && idOf(item).startsWith(ref)));
}

export function mayView(ctx: LookupContext, type: ResourceType, collection: string): boolean {
  const view: Operation = type === 'exec' ? 'container.view' : (`${type}.view` as Operation);
  return decide(ctx.access, ctx.caller, view, collection).allowed;
}

/** The resources of `type` the caller may view, as the engine lists them. */
async function visibleItems(ctx: LookupContext, type: ResourceType, path: string): Promise<Json[]> {
  const answer = await ctx.engine.call('GET', path);
  if (answer.status >= 400)
    throw new EngineFailure(answer.status, `the Docker Engine answered ${answer.status} to GET ${path}`);
  const listed = JSON.parse(answer.body.toString('utf8')) as Json[];
  return (await filterList(
    type as Exclude<ResourceType, 'exec'>,
    listed,
    ctx.access,
    ctx.caller,
    ctx.resolver,
  )) as Json[];
}

/**
 * The resource `ref` names, if the caller may view it; else the engine's own 404. With `amongVisible`
 * (targets only, see above) an invisible or ambiguous match is resolved again among the visible ones.
 */
export async function locateVisible(
  ctx: LookupContext,
  type: ResourceType,
  ref: string,
  amongVisible: boolean,
): Promise<Located> {
  if (ref === '') throw notFound(type, ref);
  let found: Located | undefined;
  let ambiguous = false;
  try {
    found = await ctx.resolver.locate(type, ref);
  } catch (err) {
    // The engine answered, but not with one resource: an ambiguous prefix (or a reference it rejects).
    if (!isEngineAnswer(err)) throw err;
    ambiguous = true;
  }
  if (found && mayView(ctx, type, found.collection)) return found;
  const list = LIST_OF[type];
  if ((!found && !ambiguous) || !amongVisible || list === undefined) throw notFound(type, ref);
  const id = pickAmong(type, ref, await visibleItems(ctx, type, list));
  const again = id === undefined ? undefined : await ctx.resolver.locate(type, id);
  if (!again || !mayView(ctx, type, again.collection)) throw notFound(type, ref);
  return again;
}
