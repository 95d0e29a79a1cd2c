/**
 * What a caller without the logs operation may not read. Logs are kept from View Only because they hold
 * what applications print; environment values and exec command lines hold the same secrets (`-e
 * PASSWORD=…`, `sh -c 'mysql -p…'`). Such a caller sees each variable's name with its value replaced, and
 * an exec's command replaced, in inspects, lists and events; whoever may read the logs sees everything.
 *
 * Pure functions over the engine's JSON: each returns a copy with values replaced (sharing what it did
 * not change) and never changes its input.
 */
import type { Operation } from '@stevedore/authz';
import type { PlanContext } from './plan-context.js';

export const REDACTED = '<redacted by Stevedore>';

export type RedactedType = 'container' | 'exec' | 'service' | 'task';

/** The operation whose holder may read what is redacted here: the logs of the resource's kind. */
export const LOGS_OF: Readonly<Record<RedactedType, Operation>> = {
  container: 'container.logs',
  exec: 'container.logs',
  service: 'service.logs',
  task: 'task.logs',
};

type Json = Record<string, unknown>;

/** `NAME=value` → `NAME=<redacted>`; a bare `NAME` (passed through from the client's environment) stays. */
export function redactEnv(env: unknown): unknown {
  if (!Array.isArray(env)) return env;
  return env.map((entry: unknown) => {
    if (typeof entry !== 'string') return REDACTED;
    const eq = entry.indexOf('=');
    return eq < 0 ? entry : `${entry.slice(0, eq)}=${REDACTED}`;
  });
}

/** A copy of `value` with the field at `path` passed through `change`, when every step is an object. */
function changeAt(value: unknown, path: readonly string[], change: (v: unknown) => unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const [key, ...rest] = path as [string, ...string[]];
  const obj = value as Json;
  if (!(key in obj)) return value;
  const next = rest.length === 0 ? change(obj[key]) : changeAt(obj[key], rest, change);
  return next === obj[key] ? value : { ...obj, [key]: next };
}

const redactCommand = (process: unknown) =>
  changeAt(
    changeAt(process, ['entrypoint'], (v) => (typeof v === 'string' && v !== '' ? REDACTED : v)),
    ['arguments'],
    (v) => (Array.isArray(v) && v.length > 0 ? [REDACTED] : v),
  );

/** Where each kind keeps what is redacted, as the engine's inspect (and list) answers have it. */
const REDACT: Readonly<Record<RedactedType, (resource: unknown) => unknown>> = {
  container: (c) => changeAt(c, ['Config', 'Env'], redactEnv),
  exec: (e) => changeAt(e, ['ProcessConfig'], redactCommand),
  service: (s) =>
    changeAt(
      changeAt(s, ['Spec', 'TaskTemplate', 'ContainerSpec', 'Env'], redactEnv),
      ['PreviousSpec', 'TaskTemplate', 'ContainerSpec', 'Env'],
      redactEnv,
    ),
  task: (t) => changeAt(t, ['Spec', 'ContainerSpec', 'Env'], redactEnv),
};

export function redactResource(type: RedactedType, resource: unknown): unknown {
  return REDACT[type](resource);
}

/**
 * An exec event (`exec_create: sh -c …`, `exec_start: …`) with the command replaced in its Action and
 * status, and in any attribute that repeats it; other events come back as they are (the same object).
 */
export function redactExecEvent<E extends Json>(event: E): E {
  const action = event['Action'];
  if (event['Type'] !== 'container' || typeof action !== 'string' || !action.startsWith('exec_'))
    return event;
  const colon = action.indexOf(': ');
  if (colon < 0) return event;
  const command = action.slice(colon + 2);
  const redacted = `${action.slice(0, colon)}: ${REDACTED}`;
  const actor = (event['Actor'] ?? {}) as { Attributes?: Record<string, string> };
  const attributes = Object.fromEntries(
    Object.entries(actor.Attributes ?? {}).map(([k, v]) => [
      k,
      command && v.includes(command) ? REDACTED : v,
    ]),
  );
  return {
    ...event,
    Action: redacted,
    ...(typeof event['status'] === 'string' ? { status: redacted } : {}),
    ...(actor.Attributes ? { Actor: { ...actor, Attributes: attributes } } : {}),
  };
}

/**
 * A service update's env with the values a redacted caller got back restored from the current spec:
 * `docker service update --image …` sends back the spec it read, and must not write the marker over the
 * secrets. A variable not in the current spec keeps what was sent.
 */
export function restoreRedactedEnv(sent: unknown, current: unknown): unknown {
  if (!Array.isArray(sent) || !Array.isArray(current)) return sent;
  const values = new Map<string, string>();
  for (const entry of current as unknown[]) {
    if (typeof entry !== 'string' || !entry.includes('=')) continue;
    values.set(entry.slice(0, entry.indexOf('=')), entry);
  }
  return sent.map((entry: unknown) => {
    if (typeof entry !== 'string' || !entry.endsWith(`=${REDACTED}`)) return entry;
    return values.get(entry.slice(0, -REDACTED.length - 1)) ?? entry;
  });
}

/** A planning context whose body reader restores redacted env values of a service update (above). */
export function restoringEnv(ctx: PlanContext, service: Json): PlanContext {
  const current = (service['Spec'] as Json | undefined)?.['TaskTemplate'] as Json | undefined;
  const currentEnv = (current?.['ContainerSpec'] as Json | undefined)?.['Env'];
  return {
    ...ctx,
    readBody: async (kind) => {
      const body = await ctx.readBody(kind);
      const spec = (body['TaskTemplate'] as Json | undefined)?.['ContainerSpec'] as Json | undefined;
      if (spec && Array.isArray(spec['Env'])) spec['Env'] = restoreRedactedEnv(spec['Env'], currentEnv);
      return body;
    },
  };
}
