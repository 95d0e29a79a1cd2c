/**
 * What the authorizing proxy does with one kind of Engine API call. The operation map (operation-map.ts)
 * gives every method + path of the Engine API exactly one rule; a call that matches none is refused.
 *
 * - `open`: any authenticated account (ping, version, registry login check).
 * - `summary`: engine-wide totals (`info`, `system df`): any account; an administrator gets the engine's
 *   answer, anyone else one recomputed from the resources they may view (`of` says which answer it is).
 * - `events`: any account; the stream is filtered to what the caller may see.
 * - `admin`: acts on the whole engine or swarm (init, join tokens, prunes, plugins): administrators only.
 * - `unsupported`: known, but not offered through the proxy; refused with the reason.
 * - `list`: answered from the engine, then filtered to the resources the caller may view.
 * - `create`: the body names (or is given) a collection; the caller needs `operation` there.
 * - `one`: the path names one resource (`{id}` / `{name}`); the caller needs `operation` on its collection,
 *   and a resource they may not even view answers the engine's own 404.
 * - `update`: as `one`, and the new spec in the body keeps or moves the collection (moving needs rights on
 *   both) and is checked like a create.
 * - `connect`: network connect/disconnect: `operation` on the network and `container.update` on the
 *   container the body names.
 * - `commit`: the container in the `container` query parameter.
 * - `exec`: creating an exec instance: as `one` on the container, and the body's `Privileged` counts.
 * - `image`: images carry no collection label (a pulled image cannot be labelled); image calls are
 *   authorized on the caller's default collection.
 */
import type { Operation } from '@stevedore/authz';

/** Resource types whose instances the proxy can look up and place in a collection. */
export type ResourceType =
  'container' | 'exec' | 'service' | 'task' | 'node' | 'network' | 'volume' | 'secret' | 'config';

export type ListedType = Exclude<ResourceType, 'exec'> | 'image';
export type CreatedType = 'container' | 'service' | 'network' | 'volume' | 'secret' | 'config';
export type UpdatedType = 'service' | 'node' | 'secret' | 'config';

export type EngineRule =
  | { readonly kind: 'open' }
  | { readonly kind: 'summary'; readonly of: 'info' | 'disk-usage' }
  | { readonly kind: 'events' }
  | { readonly kind: 'admin'; readonly why: string }
  | { readonly kind: 'unsupported'; readonly why: string }
  | { readonly kind: 'list'; readonly resource: ListedType }
  | { readonly kind: 'create'; readonly resource: CreatedType; readonly operation: Operation }
  | { readonly kind: 'one'; readonly resource: ResourceType; readonly operation: Operation }
  | { readonly kind: 'update'; readonly resource: UpdatedType; readonly operation: Operation }
  | { readonly kind: 'connect'; readonly operation: Operation }
  | { readonly kind: 'commit'; readonly operation: Operation }
  | { readonly kind: 'exec'; readonly operation: Operation }
  | { readonly kind: 'image'; readonly operation: Operation };

export type RuleKind = EngineRule['kind'];

export const open: EngineRule = { kind: 'open' };
export const summary = (of: 'info' | 'disk-usage'): EngineRule => ({ kind: 'summary', of });
export const events: EngineRule = { kind: 'events' };
export const admin = (why: string): EngineRule => ({ kind: 'admin', why });
export const unsupported = (why: string): EngineRule => ({ kind: 'unsupported', why });
export const list = (resource: ListedType): EngineRule => ({ kind: 'list', resource });
export const create = (resource: CreatedType, operation: Operation): EngineRule => ({
  kind: 'create',
  resource,
  operation,
});
export const one = (resource: ResourceType, operation: Operation): EngineRule => ({
  kind: 'one',
  resource,
  operation,
});
export const update = (resource: UpdatedType, operation: Operation): EngineRule => ({
  kind: 'update',
  resource,
  operation,
});
export const image = (operation: Operation): EngineRule => ({ kind: 'image', operation });
