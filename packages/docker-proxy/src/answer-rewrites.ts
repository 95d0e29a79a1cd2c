/**
 * Answers the proxy changes before the caller sees them (beyond list filtering and events): which answer
 * kind a plan gets (`answerOf…`), whether an engine status is rewritten at all (`rewritesAnswer`), and
 * the rewrite itself (`rewriteAnswer`). Each rewrite returns its input (the same object) when nothing
 * changed, so the proxy can send the engine's own bytes: callers who need no redaction pay one parse.
 *
 * Redaction (redaction.ts) is decided per resource by the logs operation on its collection: at plan time
 * for an inspect, per item for lists of services and tasks.
 */
import type { ListedType } from './operations/index.js';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';
import type { EngineLookups } from './engine-api.js';
import type { ImageOwners } from './image-owners.js';
import { collectionOf, labelsOf, UNLABELLED_COLLECTION } from './labels.js';
import type { Answer, Plan } from './plan-context.js';
import { LOGS_OF, redactResource, type RedactedType } from './redaction.js';
import type { Located, Resolver } from './resolver.js';
import { diskUsageFor, infoFor } from './summaries.js';

type Json = Record<string, unknown>;

/** What a rewrite may consult: the engine, and a resolver that lists services once per answer. */
export interface AnswerContext {
  readonly engine: EngineLookups;
  readonly resolver: Resolver;
  readonly access: ProxyAccess;
  readonly caller: ProxyCaller;
  /** Who made each image tag (image-owners.ts): which images a non-administrator sees. */
  readonly imageOwners?: ImageOwners;
}

/** One answer's context; service collections (for tasks and task containers) are listed at most once. */
export function answerContext(
  engine: EngineLookups,
  resolver: Resolver,
  access: ProxyAccess,
  caller: ProxyCaller,
  imageOwners?: ImageOwners,
): AnswerContext {
  let services: ReturnType<Resolver['serviceCollections']> | undefined;
  // The resolver itself as prototype: its lookups (and whatever it caches) with one method overridden.
  const once = Object.create(resolver) as Resolver;
  once.serviceCollections = () => (services ??= resolver.serviceCollections());
  return { engine, resolver: once, access, caller, ...(imageOwners ? { imageOwners } : {}) };
}

const INSPECTS: Readonly<Record<string, RedactedType>> = {
  'GET /containers/{id}/json': 'container',
  'GET /exec/{id}/json': 'exec',
  'GET /services/{id}': 'service',
  'GET /tasks/{id}': 'task',
};

/** The answer kind of a call on one resource: redacted inspects, renames that may name another's id. */
export function answerOfOne(
  access: ProxyAccess,
  caller: ProxyCaller,
  call: string,
  found: Located,
): Pick<Plan, 'answer' | 'redact'> {
  if (caller.admin) return { answer: 'pass' };
  if (call === 'POST /containers/{id}/rename') return { answer: 'name-conflict' };
  const type = INSPECTS[call];
  if (type === undefined || decide(access, caller, LOGS_OF[type], found.collection).allowed)
    return { answer: 'pass' };
  return { answer: 'redact', redact: type };
}

/** Successful answers are rewritten; of failures, only a name conflict (its message may name an id). */
export function rewritesAnswer(answer: Answer, status: number): boolean {
  if (answer === 'pass') return false;
  return answer === 'name-conflict' ? status === 409 : status < 300;
}

export async function rewriteAnswer(p: Plan, value: unknown, ctx: AnswerContext): Promise<unknown> {
  switch (p.answer) {
    case 'list':
      return p.listType ? redactList(p.listType, value, ctx) : value;
    case 'redact':
      return p.redact ? redactResource(p.redact, value) : value;
    case 'name-conflict':
      return withoutInvisibleId(value, ctx);
    case 'info':
      return infoFor(value, ctx);
    case 'disk-usage':
      return diskUsageFor(value, ctx);
    case 'image':
      return p.rewrite ? p.rewrite(value) : value;
    default:
      return value;
  }
}

/** Services and tasks (already filtered to the visible) with env values redacted where logs are not held. */
export async function redactList(type: ListedType, list: unknown, ctx: AnswerContext): Promise<unknown> {
  if ((type !== 'service' && type !== 'task') || !Array.isArray(list) || list.length === 0) return list;
  const services = type === 'task' ? await ctx.resolver.serviceCollections() : undefined;
  const decided = new Map<string, boolean>();
  const mayRead = (collection: string) => {
    let allowed = decided.get(collection);
    if (allowed === undefined) {
      allowed = decide(ctx.access, ctx.caller, LOGS_OF[type], collection).allowed;
      decided.set(collection, allowed);
    }
    return allowed;
  };
  let changed = false;
  const out = (list as Json[]).map((item) => {
    const collection =
      type === 'task'
        ? (services?.get(String(item['ServiceID'])) ?? UNLABELLED_COLLECTION)
        : collectionOf(labelsOf('service', item));
    if (mayRead(collection)) return item;
    const redacted = redactResource(type, item);
    changed ||= redacted !== item;
    return redacted;
  });
  return changed ? out : list;
}

const CONFLICT = /by container "([0-9a-f]{64})"/;

/**
 * `Conflict. The container name "/x" is already in use by container "<id>"…` on create and rename: the
 * name is unique, so the conflict itself is answered (as for volumes, rbac.md), but the id only when the
 * caller may view that container.
 */
export async function withoutInvisibleId(value: unknown, ctx: AnswerContext): Promise<unknown> {
  const message = (value as { message?: unknown } | null)?.message;
  const id = typeof message === 'string' ? CONFLICT.exec(message)?.[1] : undefined;
  if (id === undefined) return value;
  const found = await ctx.resolver.locate('container', id).catch(() => undefined);
  if (found && decide(ctx.access, ctx.caller, 'container.view', found.collection).allowed) return value;
  return { ...(value as Json), message: (message as string).replace(CONFLICT, 'by another container') };
}
