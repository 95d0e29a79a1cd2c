/**
 * From one Engine API request to a plan: refuse it (an EngineRefusal is thrown), or forward it, perhaps
 * with a rewritten path (the resolved full id, so the resource checked is the resource acted on) or body
 * (labels and placement added), and say how to treat the answer.
 */
import type { Operation } from '@stevedore/authz';
import type { EngineRule, ListedType, MatchedEndpoint, ResourceType } from '@stevedore/engine';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';
import type { EngineLink } from './engine-link.js';
import { planCreate, planUpdate } from './plan-writes.js';
import { execCreateNeeds } from './workload-policy.js';
import { forbidden, notFound } from './refusals.js';
import type { Located, Resolver } from './resolver.js';

export type Answer = 'pass' | 'list' | 'version' | 'events';

export interface Plan {
  /** For the audit log: what was asked, on what, where. */
  readonly action: string;
  readonly target: string;
  readonly collection?: string;
  /** Path and query to send to the engine (version prefix kept). */
  readonly url: string;
  /** A replacement JSON body; absent: the request's own body streams through. */
  readonly body?: Buffer;
  readonly answer: Answer;
  readonly listType?: ListedType;
}

export interface PlanContext {
  readonly engine: EngineLink;
  readonly resolver: Resolver;
  readonly access: ProxyAccess;
  readonly caller: ProxyCaller;
  /** Reads the request's JSON body (only called for rules that need it). */
  readonly readJson: () => Promise<Record<string, unknown>>;
}

const VIEW_OF: Record<ResourceType, Operation> = {
  container: 'container.view',
  exec: 'container.view',
  service: 'service.view',
  task: 'task.view',
  node: 'node.view',
  network: 'network.view',
  volume: 'volume.view',
  secret: 'secret.view',
  config: 'config.view',
};

/** Finds a resource and checks the caller may see it; anything else is the engine's own 404. */
export async function visible(ctx: PlanContext, type: ResourceType, ref: string): Promise<Located> {
  const found = await ctx.resolver.locate(type, ref);
  if (!found || !decide(ctx.access, ctx.caller, VIEW_OF[type], found.collection).allowed)
    throw notFound(type, ref);
  return found;
}

/** Refuses unless the caller holds `operation` on `collection`; the message is the authorizer's reason. */
export function require(ctx: PlanContext, operation: Operation, collection: string, rule?: string): void {
  const decision = decide(ctx.access, ctx.caller, operation, collection);
  if (!decision.allowed)
    throw forbidden(rule ? `${rule} is refused: ${decision.explanation}` : decision.explanation);
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
    default:
      return { action: rule.operation, target };
  }
}

export async function planRequest(ctx: PlanContext, match: MatchedEndpoint, url: string): Promise<Plan> {
  const rule: EngineRule = match.endpoint.rule;
  const { caller } = ctx;
  const query = new URL(url, 'http://engine').searchParams;
  const call = `${match.endpoint.method} ${match.endpoint.path}`;
  switch (rule.kind) {
    case 'open':
      return {
        action: `engine.${match.path.slice(1) || 'ping'}`,
        target: call,
        url,
        answer: match.path === '/version' ? 'version' : 'pass',
      };
    case 'events':
      return { action: 'engine.events', target: call, url, answer: 'events' };
    case 'unsupported':
      throw forbidden(`${call} is not offered: ${rule.why}`);
    case 'admin':
      if (!caller.admin) throw forbidden(`${call} needs an administrator: ${rule.why}`);
      return { action: 'engine.admin', target: call, url, answer: 'pass' };
    case 'list':
      return {
        action: `${rule.resource}.list`,
        target: call,
        url,
        answer: caller.admin ? 'pass' : 'list',
        listType: rule.resource,
      };
    case 'image': {
      const collection = caller.defaultCollection;
      require(ctx, rule.operation, collection);
      if (rule.operation === 'image.build' && query.get('networkmode') === 'host')
        require(ctx, 'container.host_namespaces', collection, 'a build on the host network');
      return { action: rule.operation, target: match.param ?? call, collection, url, answer: 'pass' };
    }
    case 'one':
    case 'exec': {
      const resource = rule.kind === 'one' ? rule.resource : 'container';
      const found = await visible(ctx, resource, match.param ?? '');
      require(ctx, rule.operation, found.collection);
      let body: Buffer | undefined;
      if (rule.kind === 'exec') {
        const exec = await ctx.readJson();
        for (const need of execCreateNeeds(exec)) require(ctx, need.operation, found.collection, need.rule);
        body = Buffer.from(JSON.stringify(exec));
      }
      return onResource(rule.operation, found, withParam(url, match, found.id), body);
    }
    case 'commit': {
      const found = await visible(ctx, 'container', query.get('container') ?? '');
      require(ctx, rule.operation, found.collection);
      require(ctx, 'image.build', caller.defaultCollection);
      return onResource(rule.operation, found, url);
    }
    case 'connect': {
      const network = await visible(ctx, 'network', match.param ?? '');
      require(ctx, rule.operation, network.collection);
      const body = await ctx.readJson();
      const container = await visible(
        ctx,
        'container',
        typeof body['Container'] === 'string' ? body['Container'] : '',
      );
      require(ctx, 'container.update', container.collection);
      const forwarded = Buffer.from(JSON.stringify(body));
      return onResource(rule.operation, network, withParam(url, match, network.id), forwarded);
    }
    case 'create':
      return planCreate(ctx, rule.resource, rule.operation, url);
    case 'update': {
      const found = await visible(ctx, rule.resource, match.param ?? '');
      require(ctx, rule.operation, found.collection);
      return planUpdate(ctx, found, rule.operation, withParam(url, match, found.id));
    }
  }
}
