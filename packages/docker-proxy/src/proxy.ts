/**
 * The authorizing Docker Engine API proxy. Every call is matched to the operation map, planned (refused,
 * or forwarded with what the plan changes), audited with the caller, operation, resource and outcome, and
 * streamed to and from the engine. Only lists of images and volumes, `/version`, other rewritten answers
 * and JSON bodies of creates and updates are ever held in memory; lists of labelled items are filtered as
 * they stream (list-stream.ts; the last few are kept to compare the next against: list-memo.ts), and logs,
 * events, builds, pulls, pushes and archives flow through in batches (coalesce.ts). An inspect of the
 * target is answered from the lookup that found it (plan-context.ts's `answered`).
 *
 * Hijacked calls (attach, exec start: `Upgrade: tcp`) are admitted only on the endpoints the engine hijacks,
 * their body read whole, planned the same way and sent as the planned request, then spliced to a raw
 * engine socket (upgrade-request.ts, upgrade.ts). Hijacks and forwarded calls are live calls while they
 * run, cut when their caller stops standing (live-calls.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuditBatcher } from '@stevedore/audit';
import { toErrorResponse } from '@stevedore/errors';
import { matchEndpoint } from './operations/index.js';
import { decide, type ProxyAccess, type ProxyCaller } from './caller.js';
import { answerContext, rewriteAnswer, rewritesAnswer } from './answer-rewrites.js';
import { EngineLink } from './engine-link.js';
import { ClusterEngineLink, type ClusterMembers } from './cluster-link.js';
import { eventFilter } from './event-filter.js';
import type { EngineAnswer } from './engine-api.js';
import { filterList } from './list-filter.js';
import { pipeCoalesced } from './coalesce.js';
import { DecisionCache } from './decisions.js';
import { ListMemo } from './list-memo.js';
import { filteredListStream, streamsList } from './list-stream.js';
import { intentOf, planRequest, type Plan, type PlanContext } from './plan.js';
import { EngineRefusal, forbidden } from './refusals.js';
import { forwardHeaders, readBodyBytes, responseHeaders, withStevedore } from './http-messages.js';
import { decodeBody, type BodyKind } from './canonical/index.js';
import { Resolver } from './resolver.js';
import { redactResource } from './redaction.js';
import type { ImageOwners } from './image-owners.js';
import { createImagePolicy } from './image-plan.js';
import { createLiveCalls } from './live-calls.js';
import { spliceUpgrade, writeRawRefusal } from './upgrade.js';
import { admitUpgrade } from './upgrade-request.js';

export interface DockerProxyOptions {
  readonly dockerHost: string;
  readonly access: ProxyAccess;
  readonly audit: AuditBatcher;
  /**
   * Told of every call the proxy answered (after its audit entry), with the operation and the path as
   * sent: the controller revokes a node's certificate when `node.remove` succeeds.
   */
  readonly onCompleted?: (call: {
    readonly action: string;
    /** `type:full id` once the resource was resolved (a name or id prefix in the path is resolved here). */
    readonly target: string;
    readonly status: number;
  }) => void;
  /** Stevedore's version, shown by `docker version` as a server component. */
  readonly version: string;
  readonly log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Who made each image tag on the engine (image ownership: image-owners.ts); the controller's is the Store. */
  readonly imageOwners: ImageOwners;
  /**
   * The cluster's member engines: with it, the proxy answers for all of them as one engine (cluster-link.ts);
   * without it, for `dockerHost` alone.
   */
  readonly cluster?: ClusterMembers;
}

export interface DockerProxy {
  handle(req: IncomingMessage, res: ServerResponse, caller: ProxyCaller, url?: string): void;
  /**
   * A request that asked for `Connection: Upgrade` (the server's 'upgrade' event): hijacked when it is
   * attach or exec start and the plan allows it; anything else gets a 400 and the connection is closed.
   * `socket` must not have been read from (Node leaves it so).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, caller: ProxyCaller, url?: string): void;
  /** Cuts the live calls, then closes the engine link and flushes the audit. */
  close(): Promise<void>;
}

const FORM_BODY = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)/i;

/** Bodies the engine reads as optional: none (or `null`) means "no changes". */
const EMPTY_BODY_OK = new Set<BodyKind>(['commit', 'exec.start', 'container.update']);

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export function createDockerProxy(options: DockerProxyOptions): DockerProxy {
  const engine = options.cluster
    ? new ClusterEngineLink(options.dockerHost, options.cluster, options.log)
    : new EngineLink(options.dockerHost);
  const resolver = new Resolver(engine);
  const { access, audit } = options;
  const live = createLiveCalls({ log: options.log });
  const images = createImagePolicy(options.imageOwners);
  // The last list answers scanned, so an identical one is not scanned again (list-memo.ts).
  const lists = new ListMemo();
  // List filtering's decisions, kept per access model revision (decisions.ts).
  const decisions = new DecisionCache(access);

  const record = (
    caller: ProxyCaller,
    req: IncomingMessage,
    plan: Partial<Plan>,
    status: number,
    reason?: string,
  ) => {
    options.onCompleted?.({
      action: plan.action ?? 'engine.call',
      target: plan.target ?? '',
      status,
    });
    return audit.add({
      actor: caller.name,
      action: plan.action ?? 'engine.call',
      target: plan.target ?? `${req.method} ${(req.url ?? '').split('?')[0]}`,
      remoteAddress: caller.remoteAddress,
      result: status < 400 ? 'success' : 'failure',
      status,
      detail: {
        via: 'docker-api',
        method: req.method,
        path: (req.url ?? '').split('?')[0],
        ...(plan.collection ? { collection: plan.collection } : {}),
        ...(reason ? { reason } : {}),
      },
    });
  };

  /**
   * Plans the call; a refusal carries what was asked, for its audit entry. The body is read from `req`,
   * or is `bodyBytes` when it was read before planning (an upgrade's: Node hands those over unread).
   */
  const plan = async (
    req: IncomingMessage,
    caller: ProxyCaller,
    url: string,
    bodyBytes?: Buffer,
  ): Promise<Plan> => {
    // Go's ParseForm merges a form-encoded body into the parameters the engine reads (body first), so
    // such a body could override the query that was checked. No Engine API call takes one.
    if (FORM_BODY.test(req.headers['content-type'] ?? ''))
      throw new EngineRefusal(
        400,
        'form-encoded request bodies are not part of the Engine API: send parameters in the query string',
      );
    const match = matchEndpoint(req.method ?? '', url);
    if (!match) {
      const refusal = forbidden(
        `${req.method} ${url.split('?')[0]} is not an Engine API call Stevedore knows, so it is refused`,
      );
      throw Object.assign(refusal, { intent: { action: 'engine.unknown' } });
    }
    // The body is read once, when a rule needs it, and decoded the way the engine decodes it.
    let bytes: Promise<Buffer> | undefined;
    const readBytes = () => (bytes ??= bodyBytes ? Promise.resolve(bodyBytes) : readBodyBytes(req));
    const readBody = async (kind: BodyKind) => {
      const raw = await readBytes();
      if (EMPTY_BODY_OK.has(kind) && raw.toString('utf8').trim() === '') return {};
      const value = decodeBody(kind, raw, { allowUnknown: caller.admin });
      if (value === null && EMPTY_BODY_OK.has(kind)) return {};
      if (value && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
      throw new EngineRefusal(400, 'the request body must be a JSON object');
    };
    const lookupVersion = engine.client.apiVersion;
    const ctx: PlanContext = { engine, resolver, access, caller, readBody, images, lookupVersion };
    return planRequest(ctx, match, url).catch((err: unknown) => {
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { intent: intentOf(match) });
    });
  };
  const intentOfError = (err: unknown): Partial<Plan> =>
    (err as { intent?: Partial<Plan> } | undefined)?.intent ?? {};

  const refuse = (res: ServerResponse, err: unknown, caller: ProxyCaller, req: IncomingMessage) => {
    const { status, message, reason } = answerFor(err);
    record(caller, req, intentOfError(err), status, reason);
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message }));
  };
  /** A refusal says its own words; the engine unreachable says so; anything else is not described. */
  const answerFor = (err: unknown): { status: number; message: string; reason: string } => {
    if (err instanceof EngineRefusal) return { status: err.status, message: err.message, reason: err.reason };
    const response = toErrorResponse(err);
    if (response.unexpected) options.log.error({ err }, 'Docker API proxy failed');
    return { status: response.status, message: response.body.error.message, reason: 'proxy error' };
  };

  const forward = (req: IncomingMessage, res: ServerResponse, caller: ProxyCaller, p: Plan): void => {
    if (p.answered) return answerFromPlan(req, res, caller, p, p.answered);
    const upstream = engine.open(
      req.method ?? 'GET',
      p.url,
      forwardHeaders(req, p.body, p.stream === true),
      (answer) => {
        const status = answer.statusCode ?? 502;
        if (p.verify && status < 300) {
          void verifyThenAnswer(answer, res, status, p, caller, req);
          return;
        }
        record(caller, req, p, status);
        const rewrite = rewritesAnswer(p.answer, status) && !(p.answer === 'events' && caller.admin);
        if (!rewrite) {
          res.writeHead(status, responseHeaders(answer.headers));
          // An answer without a length may be a stream (followed logs, events, pull progress): its headers
          // go at once, so the client sees the stream begin before the first line.
          if (answer.headers['content-length'] === undefined) res.flushHeaders();
          // A watched answer (a build's tags to record) flows through its watcher (image-watch.ts).
          const watch = p.watchAnswer?.(status);
          if (watch) {
            void pipeline(answer, watch, res).catch(() => res.destroy());
            return;
          }
          answer.on('error', () => res.destroy());
          // In the pieces the engine's socket delivered, not one write per chunk of its framing (coalesce.ts).
          pipeCoalesced(answer, res);
          return;
        }
        void respondRewritten(answer, res, status, p, caller).catch((err: unknown) => {
          options.log.error({ err }, 'Docker API proxy could not rewrite an answer');
          res.destroy();
        });
      },
      {
        ...(p.node !== undefined ? { node: p.node } : {}),
        // A pull runs on the nodes the caller may schedule on (and the manager): her credentials go nowhere else.
        ...(caller.admin
          ? {}
          : { mayUse: (c: string) => decide(access, caller, 'node.schedule', c).allowed }),
      },
    );
    // Before an answer began, the caller is told; after, the stream is cut (its entry is written already).
    upstream.on('error', (err) =>
      res.headersSent
        ? res.destroy()
        : refuse(
            res,
            err instanceof EngineRefusal ? Object.assign(err, { intent: p }) : engine.unreachable(err),
            caller,
            req,
          ),
    );
    // A call that outlives its caller's standing (`logs -f` on a revoked bundle) is cut (live-calls.ts).
    res.on(
      'close',
      live.add(caller, () => {
        upstream.destroy();
        res.destroy();
      }),
    );
    // A caller that goes away (Ctrl-C on `logs -f`) ends the engine request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (p.body) upstream.end(p.body);
    else if (!p.stream || !hasBody(req)) {
      // A body the call does not take is never passed on: the engine gets only what was planned.
      upstream.end();
      req.resume();
    } else {
      req.on('error', () => upstream.destroy());
      // A watched body (a loaded archive's tags) that is refused cuts the request: the refusal answers.
      const watch = p.watchBody?.();
      if (watch) {
        watch.on('error', (err) => {
          req.unpipe(watch);
          req.resume();
          upstream.destroy(err);
        });
        req.pipe(watch).pipe(upstream);
      } else req.pipe(upstream);
    }
  };

  /** A call the plan already has the engine's answer to (an inspect of the target: plan-context.ts). */
  const answerFromPlan = (
    req: IncomingMessage,
    res: ServerResponse,
    caller: ProxyCaller,
    p: Plan,
    answered: EngineAnswer,
  ): void => {
    req.resume();
    record(caller, req, p, answered.status);
    let body = answered.body;
    if (p.answer === 'redact' && p.redact) {
      const value = JSON.parse(body.toString('utf8')) as unknown;
      const redacted = redactResource(p.redact, value);
      if (redacted !== value) body = Buffer.from(JSON.stringify(redacted));
    }
    const { 'content-length': _length, ...headers } = responseHeaders(answered.headers);
    res.writeHead(answered.status, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  };

  /** A create or update is answered only once what was made passed the post-check (post-check.ts). */
  const verifyThenAnswer = async (
    answer: IncomingMessage,
    res: ServerResponse,
    status: number,
    p: Plan,
    caller: ProxyCaller,
    req: IncomingMessage,
  ) => {
    try {
      const raw = await readAll(answer);
      await p.verify?.(raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined);
      record(caller, req, p, status);
      res.writeHead(status, { ...responseHeaders(answer.headers), 'content-length': String(raw.length) });
      res.end(raw);
    } catch (err) {
      const security = (err as { security?: Record<string, unknown> }).security;
      if (security)
        audit.add({
          actor: caller.name,
          action: 'security.policy_violation',
          target: `${String(security['type'])}:${String(security['id'])}`,
          remoteAddress: caller.remoteAddress,
          result: 'failure',
          status: 403,
          detail: { via: 'docker-api', operation: p.action, reason: String(security['why']) },
        });
      refuse(res, Object.assign(err as Error, { intent: p }), caller, req);
    }
  };

  const respondRewritten = async (
    answer: IncomingMessage,
    res: ServerResponse,
    status: number,
    p: Plan,
    caller: ProxyCaller,
  ) => {
    const headers = responseHeaders(answer.headers);
    if (p.answer === 'events') {
      res.writeHead(status, headers);
      res.flushHeaders();
      await pipeline(
        answer,
        eventFilter(access, caller, resolver, { engine, owners: images.owners, caller }),
        res,
      );
      return;
    }
    // Lists of labelled items are filtered as they stream, the kept items as the engine's bytes (list-stream.ts).
    if (p.answer === 'list' && p.listType && streamsList(p.listType)) {
      const { 'content-length': _length, ...unsized } = headers;
      res.writeHead(status, unsized);
      const slot = { memo: lists, key: p.url };
      const ctx = { access, caller, resolver, decider: decisions.forCall(caller) };
      await pipeline(answer, filteredListStream(p.listType, ctx, slot), res);
      return;
    }
    const raw = await readAll(answer);
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    let value = parsed;
    // One answer's lookups: the services a list of tasks needs are listed once (answer-rewrites.ts).
    const seen = answerContext(engine, resolver, access, caller, images.owners);
    if (p.answer === 'list' && p.listType)
      value = await filterList(p.listType, parsed, access, caller, seen.resolver, images.owners);
    if (p.answer === 'version') value = withStevedore(parsed, options.version);
    value = await rewriteAnswer(p, value, seen);
    // A list the caller sees whole goes out as the engine's own bytes: no second serialization.
    const body = value === parsed ? raw : Buffer.from(JSON.stringify(value));
    res.writeHead(status, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  };

  return {
    handle(req, res, caller, url = req.url ?? '/') {
      plan(req, caller, url)
        .then((p) => forward(req, res, caller, p))
        .catch((err: unknown) => refuse(res, err, caller, req));
    },
    handleUpgrade(req, socket, head, caller, url = req.url ?? '/') {
      socket.on('error', () => socket.destroy());
      admitUpgrade(req, socket, head, url)
        .then(async (up) => {
          const p = await plan(req, caller, url, up.body);
          // The engine gets the planned body (exec start's, decoded canonically), never the client's bytes;
          // a call whose plan has none (attach) gets none.
          const body = p.body ?? Buffer.alloc(0);
          const call = {
            method: req.method ?? 'POST',
            url: p.url,
            body,
            websocket: up.websocket,
            from: req,
            ...(p.node !== undefined ? { node: p.node } : {}),
          };
          const status = await spliceUpgrade(engine, call, socket, (cut) => live.add(caller, cut));
          record(caller, req, p, status);
        })
        .catch((err: unknown) => {
          const { status, message, reason } = answerFor(err);
          record(caller, req, intentOfError(err), status, reason);
          writeRawRefusal(socket, new EngineRefusal(status, message, reason));
        });
    },
    close: async () => {
      live.close();
      engine.close();
      await audit.flush();
    },
  };
}
