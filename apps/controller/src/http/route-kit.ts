/**
 * The one wrapper every REST route goes through (swarmkit's "authorization declared per call, enforced in
 * one place"): it authenticates, checks the route's declared access, validates params, query and body
 * against the contract's schemas, calls the handler, writes the audit entry, and turns errors into the
 * `{ error: { code, message } }` body. A route in the contract without a handler, or a handler without a
 * route, stops the server from starting.
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  isStevedoreError,
  toErrorResponse,
} from '@stevedore/errors';
import { routes, type RouteId, type RouteSpec } from '@stevedore/api-contract';
import type { AuditLog } from '@stevedore/audit';

export interface Caller {
  readonly name: string;
  readonly admin: boolean;
  /** The bearer token the caller presented (for logout); never logged or audited. */
  readonly token: string;
}

/** A node's agent, known by the node certificate it presented. */
export interface NodeCaller {
  readonly id: string;
  readonly role: 'worker' | 'manager';
  readonly hostname: string;
}

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface HandlerInput<R extends RouteSpec> {
  readonly params: Infer<R['params']>;
  readonly query: Infer<R['query']>;
  readonly body: Infer<R['body']>;
  /** Undefined only on public routes. */
  readonly caller: R['access'] extends 'public' | 'node' ? Caller | undefined : Caller;
  /** Set only on `node` routes: the agent whose certificate the request came with. */
  readonly node: R['access'] extends 'node' ? NodeCaller : undefined;
  readonly remoteAddress: string;
  /** The Host header as the client sent it (unvalidated: check it before use), and the port it reached. */
  readonly requestHost: string | undefined;
  readonly localPort: number;
  /** What the audit entry will say; a handler may name the target (and, for login, the actor) early, so
   * that a failure is recorded against what was attempted. Defaults: the caller and the request path. */
  readonly audit: { target?: string; actor?: string };
}

export interface HandlerResult {
  readonly body?: unknown;
  /** Raw text answers (the CA, `OK`) with their content type. */
  readonly text?: { readonly contentType: string; readonly value: string };
  /** Raw bytes (a client bundle zip) with their content type. */
  readonly binary?: { readonly contentType: string; readonly value: Buffer };
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler<R extends RouteSpec> = (input: HandlerInput<R>) => Promise<HandlerResult>;
export type Handlers = { [K in RouteId]: Handler<(typeof routes)[K]> };

export interface RouteKitDeps {
  readonly authenticate: (token: string) => Promise<Caller>;
  /** The member node whose certificate this TLS connection presented, if any. */
  readonly authenticateNode?: (socket: TLSSocket) => Promise<NodeCaller | undefined>;
  readonly audit: AuditLog;
  readonly log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

function parse<T extends z.ZodType | undefined>(schema: T, value: unknown, where: string): Infer<T> {
  if (!schema) return undefined as Infer<T>;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data as Infer<T>;
  const issue = result.error.issues[0]!;
  const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys : [];
  const field = [...issue.path.map(String), ...keys].join('.') || where;
  throw new InvalidArgumentError(`${where} field ${JSON.stringify(field)}: ${issue.message}`, {
    detail: { field, in: where },
  });
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new UnauthenticatedError('the Authorization header must be "Bearer <token>"');
  return match[1];
}

export function bindRoutes(app: FastifyInstance, handlers: Handlers, deps: RouteKitDeps): void {
  const declared = new Set(Object.keys(routes));
  for (const id of Object.keys(handlers)) {
    if (!declared.has(id)) throw new Error(`handler ${id} has no route in @stevedore/api-contract`);
  }
  for (const [id, spec] of Object.entries(routes) as [RouteId, RouteSpec][]) {
    const handler = handlers[id] as Handler<RouteSpec> | undefined;
    if (!handler) throw new Error(`route ${id} (${spec.method} ${spec.path}) has no handler`);
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        let caller: Caller | undefined;
        let node: NodeCaller | undefined;
        const audit: { target?: string; actor?: string } = {};
        let status: number = spec.status ?? 200;
        let send: () => Promise<unknown>;
        try {
          if (spec.access === 'node') {
            node = await deps.authenticateNode?.(request.raw.socket as TLSSocket);
            if (!node) {
              throw new UnauthenticatedError(
                "this is for node agents, with their node certificate, and the cluster does not know this one (the node was removed, or it is no node's): on a removed node, leave the swarm (docker swarm leave), then stevedore join with a current token",
              );
            }
            audit.actor = `node:${node.id}`;
          } else {
            const token = bearerOf(request);
            if (token !== undefined) caller = await deps.authenticate(token);
          }
          // Deny by default: every access level but `public` and `node` needs a caller.
          if (spec.access !== 'public' && spec.access !== 'node') {
            if (!caller) {
              throw new UnauthenticatedError(
                'log in first: send "Authorization: Bearer <token>" from POST /auth/login',
              );
            }
            if (spec.access === 'admin' && !caller.admin) {
              // Naming a resource? Then do not confirm it exists: 404, as for anything the caller cannot see.
              throw spec.params
                ? new NotFoundError('no such resource')
                : new PermissionDeniedError('this needs an administrator');
            }
          }
          const result = await handler({
            params: parse(spec.params, request.params, 'path'),
            query: parse(spec.query, request.query, 'query'),
            body: parse(spec.body, request.body, 'body'),
            // Non-public routes have thrown above without a caller.
            caller: caller as Caller,
            node: node as never,
            remoteAddress: request.ip,
            requestHost: request.headers.host,
            localPort: request.socket.localPort ?? 0,
            audit,
          });
          send = async () => {
            reply.code(status);
            for (const [k, v] of Object.entries(result.headers ?? {})) reply.header(k, v);
            if (result.text) return reply.type(result.text.contentType).send(result.text.value);
            if (result.binary) return reply.type(result.binary.contentType).send(result.binary.value);
            return reply.send(status === 204 ? undefined : result.body);
          };
        } catch (err) {
          const response = toErrorResponse(err);
          status = response.status;
          if (response.unexpected) deps.log.error({ err, route: id }, 'request failed unexpectedly');
          const retryAfter = isStevedoreError(err) ? err.detail?.['retryAfterSeconds'] : undefined;
          send = async () => {
            if (typeof retryAfter === 'number') reply.header('Retry-After', String(Math.ceil(retryAfter)));
            return reply.code(status).send(response.body);
          };
        }
        // The entry is written before the answer, so a client that reads the log next finds it.
        if (spec.audit) {
          await deps.audit
            .append({
              actor: audit.actor ?? caller?.name ?? 'anonymous',
              action: spec.audit,
              target: audit.target ?? request.url.split('?')[0] ?? request.url,
              remoteAddress: request.ip,
              result: status < 400 ? 'success' : 'failure',
              status,
            })
            .catch((err: unknown) => deps.log.error({ err }, 'could not write the audit entry'));
        }
        return send();
      },
    });
  }
}
