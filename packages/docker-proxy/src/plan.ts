/**
 * From one Engine API request to a plan: refuse it (an EngineRefusal is thrown), or forward it, perhaps
 * with a rewritten path (the resolved full id, so the resource checked is the resource acted on) or body
 * (labels and placement added), and say how to treat the answer.
 */
import type { EngineRule, MatchedEndpoint, ResourceType } from './operations/index.js';
import { requireOperation, visibleTarget, type Plan, type PlanContext } from './plan-context.js';
import { answerOfOne } from './answer-rewrites.js';
import { restoringEnv } from './redaction.js';
import { planCreate, planUpdate } from './plan-writes.js';
import { planImage, withCommitTag } from './image-plan.js';
import { canonicalQuery, serializeBody } from './canonical/index.js';
import { BODY_POLICIES, needsOf, type PolicedBody } from './field-policy/index.js';
import { enforceNeeds } from './workload-needs.js';
import { verifyMade } from './post-check.js';
import { checkChanges } from './changes-policy.js';
import { nodeOfContainer } from './node-of-engine.js';
import { EngineRefusal, forbidden } from './refusals.js';
import type { Located } from './resolver.js';

export type { Answer, Plan, PlanContext } from './plan-context.js';

/** Calls on one resource that carry a JSON body: it is decoded and checked like a create's. */
const BODY_OF_ONE: Readonly<Record<string, PolicedBody>> = {
  'POST /containers/{id}/update': 'container.update',
  'POST /exec/{id}/start': 'exec.start',
};
/** Calls that set a container running on the engine's node (creating it is checked in plan-writes.ts). */
const RUNS_ON_NODE = new Set(['POST /containers/{id}/start', 'POST /containers/{id}/restart']);
/** Inspects whose answer is the resolver's own lookup of the target (resolver.ts's INSPECT_PATH). */
const INSPECT_OF: Readonly<Record<string, ResourceType>> = {
  'GET /containers/{id}/json': 'container',
  'GET /services/{id}': 'service',
  'GET /tasks/{id}': 'task',
  'GET /nodes/{id}': 'node',
  'GET /networks/{id}': 'network',
  'GET /volumes/{name}': 'volume',
  'GET /secrets/{id}': 'secret',
  'GET /configs/{id}': 'config',
};
/** Calls on one resource whose body is a stream the engine reads (an archive into the container). */
const STREAMED_ONE = new Set(['PUT /containers/{id}/archive']);
/**
 * The oldest API version served: older versions change what calls mean (before 1.24, `start` took a
 * HostConfig with binds and privileged mode), so they would bypass the checks written for today's.
 */
export const MIN_API_VERSION = '1.40';

function olderThan(version: string, min: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = min.split('.').map(Number);
  return a < c || (a === c && b < d);
}

function execIsPrivileged(exec: Record<string, unknown>): boolean {
  const process = exec['ProcessConfig'] as { privileged?: unknown } | undefined;
  return exec['Privileged'] === true || process?.privileged === true;
}

/** The request's URL with the resource as the engine's full id, so what was checked is what is acted on. */
function withParam(url: string, match: MatchedEndpoint, id: string): string {
  const q = url.indexOf('?');
  const prefix = match.version === undefined ? '' : `/v${match.version}`;
  return (
    prefix + match.endpoint.path.replace(/\{[a-z]+\}/, encodeURIComponent(id)) + (q >= 0 ? url.slice(q) : '')
  );
}

/** The plan of a call on one resource that was found and allowed. */
function onResource(action: string, found: Located, url: string, body?: Buffer): Plan {
  return {
    action,
    target: `${found.type}:${found.id}`,
    collection: found.collection,
    url,
    ...(body ? { body } : {}),
    ...(found.node !== undefined ? { node: found.node } : {}),
    answer: 'pass',
  };
}

/** What a call asks for, before it is decided: the audit entry of a refusal says this. */
export function intentOf(match: MatchedEndpoint): Pick<Plan, 'action' | 'target'> {
  const rule = match.endpoint.rule;
  const call = `${match.endpoint.method} ${match.endpoint.path}`;
  const resource = 'resource' in rule ? rule.resource : rule.kind === 'connect' ? 'network' : 'container';
  const target = match.param === undefined ? call : `${resource}:${match.param}`;
  switch (rule.kind) {
    case 'open':
    case 'events':
      return { action: `engine.${match.path.slice(1) || 'ping'}`, target };
    case 'admin':
    case 'unsupported':
      return { action: `engine.${rule.kind}`, target };
    case 'list':
      return { action: `${rule.resource}.list`, target };
    case 'summary':
      return { action: `engine.${rule.of}`, target };
    default:
      return { action: rule.operation, target };
  }
}

export async function planRequest(ctx: PlanContext, match: MatchedEndpoint, rawUrl: string): Promise<Plan> {
  const rule: EngineRule = match.endpoint.rule;
  const { caller } = ctx;
  // The query as the engine will read it, rebuilt: what is checked below is exactly what the engine gets.
  const query_ = canonicalQuery(match.endpoint.method, match.endpoint.path, rawUrl, {
    allowUnknown: caller.admin,
  });
  const path = rawUrl.split('?')[0] ?? rawUrl;
  const url = query_ === '' ? path : `${path}?${query_}`;
  const query = new URL(url, 'http://engine').searchParams;
  const call = `${match.endpoint.method} ${match.endpoint.path}`;
  if (match.version !== undefined && olderThan(match.version, MIN_API_VERSION))
    throw new EngineRefusal(
      400,
      `client version ${match.version} is too old: Stevedore serves Engine API ${MIN_API_VERSION} and newer, upgrade the docker client`,
    );
  switch (rule.kind) {
    case 'open':
      return {
        action: `engine.${match.path.slice(1) || 'ping'}`,
        target: call,
        url,
        answer: match.path === '/version' ? 'version' : 'pass',
        ...(call === 'POST /auth' ? { stream: true } : {}),
      };
    case 'events':
      return { action: 'engine.events', target: call, url, answer: 'events' };
    case 'summary':
      return { action: `engine.${rule.of}`, target: call, url, answer: caller.admin ? 'pass' : rule.of };
    case 'unsupported':
      throw forbidden(`${call} is not offered: ${rule.why}`);
    case 'admin':
      if (!caller.admin) throw forbidden(`${call} needs an administrator: ${rule.why}`);
      return { action: 'engine.admin', target: call, url, answer: 'pass', stream: true };
    case 'list':
      return {
        action: `${rule.resource}.list`,
        target: call,
        url,
        answer: caller.admin ? 'pass' : 'list',
        listType: rule.resource,
      };
    case 'image':
      // Image ownership: who may see, tag, replace and remove which tags (image-plan.ts).
      return planImage(ctx, match, url, rule.operation);
    case 'one':
    case 'exec': {
      const resource = rule.kind === 'one' ? rule.resource : 'container';
      const found = await visibleTarget(ctx, resource, match.param ?? '');
      requireOperation(ctx, rule.operation, found.collection);
      const kind = rule.kind === 'exec' ? 'exec.create' : BODY_OF_ONE[call];
      let body: Buffer | undefined;
      let verify: Plan['verify'];
      if (kind) {
        const decoded = await ctx.readBody(kind);
        await enforceNeeds(ctx, needsOf(BODY_POLICIES[kind], decoded), found.collection, {
          createVolumes: false,
        });
        body = serializeBody(decoded);
        if (rule.kind === 'exec' && !caller.admin) {
          const check = { type: 'exec', kind, collection: found.collection, planned: decoded } as const;
          verify = (answer) => verifyMade(ctx, check, answer);
        }
      }
      // Starting a container runs it on the engine's node, which the caller must still be allowed to use.
      if (RUNS_ON_NODE.has(call)) {
        const node = await nodeOfContainer(ctx.engine, found);
        requireOperation(ctx, 'node.schedule', node.collection, `running a container on its node`);
      }
      // An exec instance is judged again when it starts: it may have been made some other way.
      if (found.type === 'exec' && execIsPrivileged(found.resource))
        requireOperation(ctx, 'container.privileged', found.collection, 'starting a privileged exec');
      const plan = onResource(rule.operation, found, withParam(url, match, found.id), body);
      // The caller's inspect is the lookup just made (same version, no query): answered with it.
      const reuse =
        INSPECT_OF[call] === found.type &&
        found.answer?.status === 200 &&
        query_ === '' &&
        match.version !== undefined &&
        match.version === ctx.lookupVersion;
      return {
        ...plan,
        ...(reuse ? { answered: found.answer } : {}),
        ...answerOfOne(ctx.access, caller, call, found),
        ...(STREAMED_ONE.has(call) ? { stream: true } : {}),
        ...(verify ? { verify } : {}),
      };
    }
    case 'commit': {
      const found = await visibleTarget(ctx, 'container', query.get('container') ?? '');
      requireOperation(ctx, rule.operation, found.collection);
      requireOperation(ctx, 'image.build', caller.defaultCollection);
      // The container committed is the one checked: its full id, however the caller named it.
      const committed = new URL(url, 'http://engine');
      committed.searchParams.set('container', found.id);
      // The new image's config (the body) and `changes` are held to the policy like a container's.
      const config = await ctx.readBody('commit');
      await enforceNeeds(ctx, needsOf(BODY_POLICIES['commit'], config), caller.defaultCollection, {
        createVolumes: false,
      });
      if (!caller.admin) await checkChanges(query.getAll('changes'));
      const body = Object.keys(config).length > 0 ? serializeBody(config) : undefined;
      // The tag it makes (`repo`, `tag`) is checked and recorded like any other (image-plan.ts).
      return withCommitTag(
        ctx,
        onResource(rule.operation, found, committed.pathname + committed.search, body),
        query,
      );
    }
    case 'connect': {
      const network = await visibleTarget(ctx, 'network', match.param ?? '');
      requireOperation(ctx, rule.operation, network.collection);
      const kind = match.endpoint.path.endsWith('/disconnect') ? 'network.disconnect' : 'network.connect';
      const body = await ctx.readBody(kind);
      const container = await visibleTarget(
        ctx,
        'container',
        typeof body['Container'] === 'string' ? body['Container'] : '',
      );
      requireOperation(ctx, 'container.update', container.collection);
      // The connected container is acted on by its full id, the one that was checked.
      body['Container'] = container.id;
      await enforceNeeds(ctx, needsOf(BODY_POLICIES[kind], body), container.collection, {
        createVolumes: false,
      });
      const forwarded = serializeBody(body);
      return onResource(rule.operation, network, withParam(url, match, network.id), forwarded);
    }
    case 'create': {
      const created = await planCreate(ctx, rule.resource, rule.operation, url);
      // A container name in use answers 409 with the holder's id: kept only if the caller may view it.
      const conflict = rule.resource === 'container' && !caller.admin && created.answer === 'pass';
      return conflict ? { ...created, answer: 'name-conflict' } : created;
    }
    case 'update': {
      const found = await visibleTarget(ctx, rule.resource, match.param ?? '');
      requireOperation(ctx, rule.operation, found.collection);
      // A spec read back redacted is sent back with the service's own env values (redaction.ts).
      const reading = found.type === 'service' ? restoringEnv(ctx, found.resource) : ctx;
      return planUpdate(reading, found, rule.operation, withParam(url, match, found.id));
    }
  }
}
