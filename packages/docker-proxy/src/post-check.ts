/**
 * Defense in depth: after the engine made what a non-administrator was allowed to make, the proxy reads
 * the object back and holds it to the same policy. Whatever the engine took from elsewhere (labels from
 * the image, a field it decodes differently than we thought, a default of the daemon) is judged on what
 * was actually made. An object that breaks the policy is removed, the call is refused, and the audit log
 * gets a `security.policy_violation` entry.
 *
 * The inspected object is projected onto the request's shape (container inspect's Config + HostConfig +
 * NetworkSettings.Networks is a create body; a service's Spec is its spec) so the one policy table serves
 * both. Fields whose unset value the daemon fills with its own default (the cgroup namespace on cgroup v1
 * hosts, the default runtime, the daemon's log driver) are judged only when the request set them.
 */
import { BODY_POLICIES, isUnset, needsOf, type Need, type PolicedBody } from './field-policy/index.js';
import { collectionOf, labelsOf } from './labels.js';
import { requireOperation, visible, type PlanContext } from './plan-context.js';
import { EngineRefusal, forbidden } from './refusals.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

export type CheckedType = 'container' | 'service' | 'network' | 'volume' | 'secret' | 'config' | 'exec';

export interface PostCheck {
  readonly type: CheckedType;
  readonly kind: PolicedBody;
  /** The object's id for updates; creates take it from the engine's answer. */
  readonly id?: string;
  readonly collection: string;
  /** The body the engine was sent: daemon-defaulted fields it left unset are not judged. */
  readonly planned: Json;
  /** Placement constraints the proxy added (services): they must all be in the spec that was made. */
  readonly constraints?: readonly string[];
}

const DAEMON_DEFAULTED = ['CgroupnsMode', 'Runtime', 'LogConfig', 'Isolation'];

const INSPECT: Record<CheckedType, (id: string) => string> = {
  container: (id) => `/containers/${id}/json`,
  service: (id) => `/services/${id}`,
  network: (id) => `/networks/${id}`,
  volume: (id) => `/volumes/${id}`,
  secret: (id) => `/secrets/${id}`,
  config: (id) => `/configs/${id}`,
  exec: (id) => `/exec/${id}/json`,
};
const REMOVE: Partial<Record<CheckedType, (id: string) => string>> = {
  container: (id) => `/containers/${id}?force=1&v=1`,
  service: (id) => `/services/${id}`,
  network: (id) => `/networks/${id}`,
  volume: (id) => `/volumes/${id}?force=1`,
  secret: (id) => `/secrets/${id}`,
  config: (id) => `/configs/${id}`,
};

/** The inspected object as the body that would have made it. */
function asBody(check: PostCheck, made: Json): Json {
  switch (check.type) {
    case 'container': {
      const host = { ...obj(made['HostConfig']) };
      const plannedHost = obj(check.planned['HostConfig']);
      for (const f of DAEMON_DEFAULTED) if (isUnset(plannedHost[f])) delete host[f];
      const endpoints = obj(obj(made['NetworkSettings'])['Networks']);
      return { ...obj(made['Config']), HostConfig: host, NetworkingConfig: { EndpointsConfig: endpoints } };
    }
    case 'exec': {
      const process = obj(made['ProcessConfig']);
      return { Privileged: process['privileged'] === true || made['Privileged'] === true };
    }
    case 'volume':
      return {
        Name: made['Name'],
        Driver: made['Driver'],
        DriverOpts: made['Options'],
        Labels: made['Labels'],
      };
    case 'network': {
      // Drivers add options of their own (overlay's `vxlanid_list`): only the ones asked for are judged.
      const asked = obj(check.planned['Options']);
      const options = Object.entries(obj(made['Options'])).filter(([k]) => k in asked);
      return { ...made, Options: Object.fromEntries(options) };
    }
    default:
      return obj(made['Spec']);
  }
}

/** Only the fields the policy knows: an inspect also shows what the engine reports (ids, state, dates). */
function project(body: Json, kind: PolicedBody): Json {
  const policy = BODY_POLICIES[kind];
  if (policy.kind !== 'fields') return body;
  return Object.fromEntries(Object.entries(body).filter(([k]) => k in policy.fields));
}

/** What is wrong with the object as made, or undefined. Refs are checked, never created. */
async function violation(ctx: PlanContext, check: PostCheck, made: Json): Promise<string | undefined> {
  const body = project(asBody(check, made), check.kind);
  if (check.type !== 'exec') {
    const madeIn = collectionOf(labelsOf(check.type, made));
    if (madeIn !== check.collection) return `it was made in ${madeIn}, not in ${check.collection}`;
  }
  const needs: Need[] = needsOf(BODY_POLICIES[check.kind], body);
  try {
    for (const need of needs) {
      if (need.kind === 'operation') requireOperation(ctx, need.operation, check.collection, need.rule);
      else if (need.kind === 'admin' && !ctx.caller.admin) return `${need.rule} is for administrators only`;
      else if (need.kind === 'ref' && need.type !== 'volume') await visible(ctx, need.type, need.ref);
    }
  } catch (err) {
    if (err instanceof EngineRefusal) return err.reason;
    throw err;
  }
  if (check.constraints) {
    const placed = obj(obj(obj(made['Spec'])['TaskTemplate'])['Placement'])['Constraints'];
    const have = new Set(Array.isArray(placed) ? placed : []);
    const missing = check.constraints.filter((c) => !have.has(c));
    if (missing.length > 0) return `its placement lacks ${missing.join(', ')}`;
  }
  return undefined;
}

/**
 * Reads the object back and judges it; throws a 403 after removing it when it breaks the policy.
 * `answer` is the engine's answer to the create (its id), or undefined for updates.
 */
export async function verifyMade(ctx: PlanContext, check: PostCheck, answer: unknown): Promise<void> {
  const a = obj(answer);
  const named = [a['Id'], a['ID'], check.planned['Name']].find((v) => typeof v === 'string');
  const id = check.id ?? (typeof named === 'string' ? named : '');
  const made = await ctx.engine.inspect<Json>(INSPECT[check.type](encodeURIComponent(id)));
  const why = made ? await violation(ctx, check, made) : 'it could not be read back';
  if (why === undefined) return;
  const remove = REMOVE[check.type];
  if (remove) await ctx.engine.call('DELETE', remove(encodeURIComponent(id)));
  throw Object.assign(
    forbidden(
      `the engine made ${check.type} ${id} differently than it was checked (${why}), so it was removed`,
    ),
    { security: { type: check.type, id, why } },
  );
}
