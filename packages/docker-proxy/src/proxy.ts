/**
 * The authorizing Docker Engine API proxy. Every call is matched to the operation map, planned (refused,
 * or forwarded with what the plan changes), audited with the caller, operation, resource and outcome, and
 * streamed to and from the engine. Only lists, `/version` and JSON bodies of creates and updates are ever
 * held in memory; logs, events, builds, pulls, pushes and archives flow through.
 *
 * Hijacked calls (attach, exec start: `Upgrade: tcp`) are planned the same way and then spliced to a raw
 * engine socket (upgrade.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuditBatcher } from '@stevedore/audit';
import { toErrorResponse } from '@stevedore/errors';
import { matchEndpoint } from '@stevedore/engine';
import type { ProxyAccess, ProxyCaller } from './caller.js';
import { EngineLink } from './engine-link.js';
import { eventFilter } from './event-filter.js';
import { filterList } from './list-filter.js';
import { intentOf, planRequest, type Plan, type PlanContext } from './plan.js';
import { EngineRefusal, forbidden } from './refusals.js';
import { forwardHeaders, readJson, responseHeaders, withStevedore } from './http-messages.js';
import { Resolver } from './resolver.js';
import { spliceUpgrade, writeRawRefusal } from './upgrade.js';

export interface DockerProxyOptions {
  readonly dockerHost: string;
  readonly access: ProxyAccess;
  readonly audit: AuditBatcher;
  /** Stevedore's version, shown by `docker version` as a server component. */
  readonly version: string;
  readonly log: { error(obj: object, msg: string): void };
}

export interface DockerProxy {
  handle(req: IncomingMessage, res: ServerResponse, caller: ProxyCaller, url?: string): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, caller: ProxyCaller, url?: string): void;
  close(): Promise<void>;
}

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
  const engine = new EngineLink(options.dockerHost);
  const resolver = new Resolver(engine);
  const { access, audit } = options;

  const record = (
    caller: ProxyCaller,
    req: IncomingMessage,
    plan: Partial<Plan>,
    status: number,
    reason?: string,
  ) =>
    audit.add({
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

  /** Plans the call; a refusal carries what was asked, for its audit entry. */
  const plan = async (req: IncomingMessage, caller: ProxyCaller, url: string): Promise<Plan> => {
    const match = matchEndpoint(req.method ?? '', url);
    if (!match) {
      const refusal = forbidden(
        `${req.method} ${url.split('?')[0]} is not an Engine API call Stevedore knows, so it is refused`,
      );
      throw Object.assign(refusal, { intent: { action: 'engine.unknown' } });
    }
    const ctx: PlanContext = { engine, resolver, access, caller, readJson: () => readJson(req) };
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
    const upstream = engine.open(req.method ?? 'GET', p.url, forwardHeaders(req, p.body), (answer) => {
      const status = answer.statusCode ?? 502;
      record(caller, req, p, status);
      const rewrite = status < 300 && p.answer !== 'pass' && !(p.answer === 'events' && caller.admin);
      if (!rewrite) {
        res.writeHead(status, responseHeaders(answer.headers));
        // An answer without a length may be a stream (followed logs, events, pull progress): its headers
        // go at once, so the client sees the stream begin before the first line.
        if (answer.headers['content-length'] === undefined) res.flushHeaders();
        answer.on('error', () => res.destroy());
        answer.pipe(res);
        return;
      }
      void respondRewritten(answer, res, status, p, caller).catch((err: unknown) => {
        options.log.error({ err }, 'Docker API proxy could not rewrite an answer');
        res.destroy();
      });
    });
    // Before an answer began, the caller is told; after, the stream is cut (its entry is written already).
    upstream.on('error', (err) =>
      res.headersSent ? res.destroy() : refuse(res, engine.unreachable(err), caller, req),
    );
    // A caller that goes away (Ctrl-C on `logs -f`) ends the engine request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (p.body) upstream.end(p.body);
    else if (!hasBody(req)) upstream.end();
    else {
      req.on('error', () => upstream.destroy());
      req.pipe(upstream);
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
      await pipeline(answer, eventFilter(access, caller, resolver), res);
      return;
    }
    const raw = await readAll(answer);
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    let value = parsed;
    if (p.answer === 'list' && p.listType)
      value = await filterList(p.listType, parsed, access, caller, resolver);
    if (p.answer === 'version') value = withStevedore(parsed, options.version);
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
      plan(req, caller, url)
        .then(async (p) => {
          const status = await spliceUpgrade(engine, req, socket, head, p.url);
          record(caller, req, p, status);
        })
        .catch((err: unknown) => {
          const { status, message, reason } = answerFor(err);
          record(caller, req, intentOfError(err), status, reason);
          writeRawRefusal(socket, new EngineRefusal(status, message, reason));
        });
    },
    close: async () => {
      engine.close();
      await audit.flush();
    },
  };
}
