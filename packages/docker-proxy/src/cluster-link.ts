/**
 * The proxy's connection to a cluster's engines: the manager's own engine (the link's `client`) and each
 * member node's engine through its agent's engine proxy (mutual TLS, the controller's short-lived
 * certificate: @stevedore/agent's engine-proxy.ts). It answers as one engine, routing each call as
 * cluster-routes.ts says: lists and streams fan out to every member in parallel and are merged
 * (cluster-merge.ts), calls on a container, exec instance or volume go to the member that holds it, and a
 * new container goes where placement put it (cluster-placement.ts). Everything the proxy decides is
 * decided as for one engine: this link only chooses where a planned call is sent.
 *
 * Invariant: a planned call on a held resource goes to the node its lookup was answered by (the plan's
 * `node`), or is refused when that node is gone; it never falls back to another node's resource of the
 * same name. A volume name held by several nodes is ambiguous (the caller is told to use the node's own
 * engine), as a container name held by several is.
 *
 * A member that does not answer (in time, or with JSON) is left out of a merged answer, and said so in the
 * log (and, for volumes and pulls, in the answer); the manager's own engine failing fails the call, as
 * with one engine.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Readable, Writable } from 'node:stream';
import type { EngineClient } from '@stevedore/engine';
import type { EngineAnswer, EngineLookups, PlacedContainer } from './engine-api.js';
import { EngineLink, type CallTarget } from './engine-link.js';
import { clusterRoute, heldInspectPath, type HeldType, type MergedList } from './cluster-routes.js';
import { mergeLines, mergeLists, type MemberList } from './cluster-merge.js';
import { chooseNode, constraintsOf, type Candidate } from './cluster-placement.js';
import { collectionOf, labelsOf, UNLABELLED_COLLECTION } from './labels.js';
import { placeOnEngine } from './node-of-engine.js';
import { EngineRefusal } from './refusals.js';

type Json = Record<string, unknown>;

export interface ClusterMember {
  /** The swarm node id. */
  readonly id: string;
  /** The node's name, as `docker node ls` shows it. */
  readonly name: string;
  /** Its engine, through the node's engine proxy; absent for the manager's own engine. */
  readonly client?: EngineClient;
  /** The address it is reached at, as `docker info` shows it. */
  readonly address?: string;
}

export interface ClusterMembers {
  /** The members whose engines may be asked now, the manager's own first. */
  members(): Promise<readonly ClusterMember[]>;
}

export interface ClusterLog {
  warn(obj: object, msg: string): void;
}

/** How many container → member entries are kept; the oldest go first (they are asked again if needed). */
const HELD_LIMIT = 100_000;
/** How long a member may take to begin answering a fanned-out stream before it is left out (default). */
const STREAM_HEADERS_MS = 15_000;

function jsonAnswer(status: number, value: unknown, node?: string): EngineAnswer {
  const body = Buffer.from(JSON.stringify(value));
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body,
    ...(node !== undefined ? { node } : {}),
  };
}

function parsedBody(answer: EngineAnswer): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** An answer made here, shaped as the engine's for the proxy's forwarding code. */
function madeAnswer(status: number, headers: IncomingMessage['headers'], body: Readable): IncomingMessage {
  return Object.assign(body, { statusCode: status, headers, rawHeaders: [] }) as unknown as IncomingMessage;
}

const nodeGone = (node: string) =>
  new EngineRefusal(
    503,
    `the node that holds this (${node}) cannot be reached now: its agent has not reported; try again when docker node ls shows it Ready`,
  );

/** The request side of a fanned-out call: its (empty) body is dropped, `end()` starts it. */
class FanOutRequest extends Writable {
  private readonly aborts: (() => void)[] = [];

  constructor(private readonly start: (request: FanOutRequest) => Promise<void>) {
    // Kept after its (empty) body ends: destroying it is the caller going away.
    super({ autoDestroy: false });
  }

  onAbort(abort: () => void): void {
    this.aborts.push(abort);
  }

  override _write(_chunk: unknown, _encoding: string, done: () => void): void {
    done();
  }

  override _final(done: () => void): void {
    this.start(this).catch((err: Error) => this.destroy(err));
    done();
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    for (const abort of this.aborts.splice(0)) abort();
    done(err);
  }
}

export class ClusterEngineLink extends EngineLink {
  /** `container:id` → swarm node id of the member that holds it. */
  private readonly held = new Map<string, string>();
  /** The members as last asked, by swarm node id. */
  private known = new Map<string, ClusterMember>();

  private readonly streamHeadersMs: number;

  constructor(
    dockerHost: string,
    private readonly cluster: ClusterMembers,
    private readonly log: ClusterLog,
    options: { readonly streamHeadersMs?: number } = {},
  ) {
    super(dockerHost);
    this.streamHeadersMs = options.streamHeadersMs ?? STREAM_HEADERS_MS;
  }

  private async members(): Promise<readonly ClusterMember[]> {
    const members = await this.cluster.members();
    this.known = new Map(members.map((m) => [m.id, m]));
    // Not in a swarm (or no member known yet): the manager's engine alone.
    return members.length > 0 ? members : [{ id: '', name: 'local' }];
  }

  private clientOf(member: ClusterMember): EngineClient {
    return member.client ?? this.client;
  }

  /** The member a call on this node id goes to; refused when it is not a member now. */
  private memberOf(node: string): ClusterMember {
    if (node === '') return { id: '', name: 'local' };
    const member = this.known.get(node);
    if (!member) throw nodeGone(node);
    return member;
  }

  private remember(id: string, memberId: string): void {
    const key = `container:${id}`;
    this.held.delete(key);
    this.held.set(key, memberId);
    if (this.held.size > HELD_LIMIT) this.held.delete(this.held.keys().next().value!);
  }

  /** Where a call on `path` goes: the plan's node, else the node a container was last seen on. */
  private targetOf(method: string, path: string, node: string | undefined): ClusterMember | undefined {
    if (node !== undefined) return this.memberOf(node);
    const route = clusterRoute(method, path);
    if (route.kind !== 'held' || route.type !== 'container') return undefined;
    const seen = this.held.get(`container:${route.ref}`);
    return seen === undefined ? undefined : this.memberOf(seen);
  }

  override clientFor(method: string, path: string, node?: string): EngineClient {
    const member = this.targetOf(method, path, node);
    return member ? this.clientOf(member) : this.client;
  }

  override open(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    onResponse: (res: IncomingMessage) => void,
    target: CallTarget = {},
  ): Writable {
    const route = clusterRoute(method, path);
    const direct = (client: EngineClient) =>
      client.open(method, path, headers, onResponse, { versioned: false });
    if (route.kind === 'placed' || route.kind === 'held') {
      let member: ClusterMember | undefined;
      try {
        member = this.targetOf(method, path, target.node);
      } catch (err) {
        const refusal = err instanceof Error ? err : new Error(String(err));
        return new FanOutRequest(() => Promise.reject(refusal));
      }
      return direct(member ? this.clientOf(member) : this.client);
    }
    if (route.kind === 'local') return direct(this.client);
    return new FanOutRequest(async (request) => {
      const members = await this.members();
      if (members.length === 1) return this.relay(members[0]!, method, path, headers, onResponse, request);
      if (route.kind === 'stream') {
        const pull = method === 'POST';
        const to = pull && target.mayUse ? await this.usable(members, target.mayUse) : members;
        return await this.mergedStream(to, method, path, headers, onResponse, request, pull);
      }
      const made =
        route.kind === 'info'
          ? await this.clusterInfo(members)
          : await this.mergedList(members, route.list, method, path, true);
      if (!request.destroyed) onResponse(madeAnswer(made.status, made.headers, Readable.from([made.body])));
    });
  }

  /** A cluster of one: the call goes to its engine and the answer comes back as the engine sent it. */
  private relay(
    member: ClusterMember,
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    onResponse: (res: IncomingMessage) => void,
    request: FanOutRequest,
  ): void {
    const upstream = this.clientOf(member).open(method, path, headers, onResponse, { versioned: false });
    request.onAbort(() => upstream.destroy());
    upstream.on('error', (err) => request.destroy(err));
    upstream.end();
  }

  /** The manager, and the members whose node's collection `mayUse` allows. */
  private async usable(
    members: readonly ClusterMember[],
    mayUse: (collection: string) => boolean,
  ): Promise<ClusterMember[]> {
    const allowed = await Promise.all(
      members.map(async (member) => {
        if (!member.client) return true;
        const node = await this.inspect<Json>(`/nodes/${encodeURIComponent(member.id)}`).catch(
          () => undefined,
        );
        return node !== undefined && mayUse(collectionOf(labelsOf('node', node)));
      }),
    );
    return members.filter((_, i) => allowed[i]);
  }

  override async call(method: string, path: string, body?: unknown): Promise<EngineAnswer> {
    const route = clusterRoute(method, path);
    if (route.kind === 'list')
      return await this.mergedList(await this.members(), route.list, method, path, false);
    if (route.kind !== 'held') return await super.call(method, path, body);
    const inspect = method === 'GET' && path === heldInspectPath(route.type, route.ref);
    const seen = route.type === 'container' ? this.held.get(`container:${route.ref}`) : undefined;
    const holder = seen === undefined ? undefined : this.known.get(seen);
    if (holder) {
      const answer = await this.callOn(holder, method, path, body);
      // Gone from there (removed): an inspect asks every member again; any other call has its answer.
      if (answer.status !== 404 || !inspect) return answer;
    }
    const located = await this.locate(route.type, route.ref);
    if (inspect || located.answer.status === 409) return located.answer;
    // Held by no member: the manager's engine answers, as one engine would.
    if (!located.member) return await super.call(method, path, body);
    return await this.callOn(located.member, method, path, body);
  }

  /** One member's answer to a buffered call, naming the member. */
  private async callOn(
    member: ClusterMember,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<EngineAnswer> {
    let answer: EngineAnswer;
    if (!member.client) answer = await super.call(method, path, body);
    else {
      try {
        answer = await member.client.call(method, path, { body });
      } catch (err) {
        throw this.unreachable(err as Error);
      }
    }
    return { ...answer, node: member.id };
  }

  /** Asks every member for the resource: exactly one may hold it. */
  private async locate(
    type: HeldType,
    ref: string,
  ): Promise<{ member?: ClusterMember; answer: EngineAnswer }> {
    const members = await this.members();
    const path = heldInspectPath(type, ref);
    const answers = await Promise.all(
      members.map((member) =>
        this.callOn(member, 'GET', path).then(
          (answer) => ({ member, answer }),
          (err: Error) => {
            if (!member.client) throw err;
            this.log.warn({ err, node: member.name }, 'a cluster member did not answer a lookup');
            return undefined;
          },
        ),
      ),
    );
    const found = answers.filter(
      (a): a is { member: ClusterMember; answer: EngineAnswer } =>
        a !== undefined && a.answer.status === 200 && parsedBody(a.answer) !== undefined,
    );
    const idOf = (answer: EngineAnswer) => {
      const value = parsedBody(answer) as Json;
      return String(type === 'volume' ? value['Name'] : (value['Id'] ?? value['ID']));
    };
    if (found.length > 1) {
      const nodes = found.map((f) => f.member.name).join(', ');
      const what =
        type === 'volume' ? `volume ${ref} is on several nodes` : `${ref} names a ${type} on several nodes`;
      return {
        answer: jsonAnswer(409, { message: `${what} (${nodes}): use its id, or that node's engine` }),
      };
    }
    const first = found[0];
    if (!first) {
      const local = answers.find((a) => a && !a.member.client);
      return { answer: local?.answer ?? jsonAnswer(404, { message: `No such ${type}: ${ref}` }) };
    }
    if (type !== 'volume') this.remember(idOf(first.answer), first.member.id);
    return first;
  }

  /** Every member's list, merged; members that fail are left out (the manager's own failing fails it). */
  private async mergedList(
    members: readonly ClusterMember[],
    list: MergedList,
    method: string,
    path: string,
    forCaller: boolean,
  ): Promise<EngineAnswer> {
    const versioned = { versioned: !forCaller };
    const answers = await Promise.all(
      members.map(async (member) => {
        try {
          return { member, answer: await this.clientOf(member).call(method, path, versioned) };
        } catch (err) {
          if (!member.client) throw this.unreachable(err as Error);
          this.log.warn({ err, node: member.name }, 'a cluster member did not answer a list');
          return { member, answer: undefined };
        }
      }),
    );
    const own = answers.find((a) => !a.member.client);
    if (own?.answer && (own.answer.status >= 300 || members.length === 1)) return own.answer;
    const lists: MemberList[] = answers.map(({ member, answer }) => {
      const value = answer && answer.status < 300 ? parsedBody(answer) : undefined;
      if (value === undefined) {
        this.log.warn({ node: member.name, status: answer?.status }, 'a cluster member gave no list');
        return { node: member.name, value: undefined };
      }
      if (list === 'containers' && Array.isArray(value))
        for (const item of value as Json[])
          if (typeof item['Id'] === 'string') this.remember(item['Id'], member.id);
      return { node: member.name, value };
    });
    const limit = Number(new URL(path, 'http://engine').searchParams.get('limit') ?? '');
    const merged = mergeLists(list, lists, {
      nodeNames: forCaller,
      ...(Number.isInteger(limit) && limit > 0 ? { limit } : {}),
    });
    return jsonAnswer(200, merged);
  }

  /** The manager's `/info`, counting the containers of every member and naming the members. */
  private async clusterInfo(members: readonly ClusterMember[]): Promise<EngineAnswer> {
    const answers = await Promise.all(
      members.map(async (member) => {
        if (!member.client) return { member, answer: await super.call('GET', '/info'), own: true };
        const answer = await member.client.call('GET', '/info').catch(() => undefined);
        return { member, answer, own: false };
      }),
    );
    const own = answers.find((a) => a.own)!;
    const info = own.answer!.status === 200 ? (parsedBody(own.answer!) as Json | undefined) : undefined;
    if (!info) return own.answer!;
    const counted = ['Containers', 'ContainersRunning', 'ContainersPaused', 'ContainersStopped'] as const;
    const totals = Object.fromEntries(counted.map((field) => [field, 0])) as Record<string, number>;
    const status: [string, string][] = [['Nodes', String(members.length)]];
    for (const { member, answer } of answers) {
      const of = answer?.status === 200 ? (parsedBody(answer) as Json | undefined) : undefined;
      for (const field of counted) totals[field]! += Number(of?.[field] ?? 0);
      status.push([` ${member.name}`, member.address ?? '']);
      status.push(['  └ Status', of ? 'Healthy' : 'Unreachable']);
      if (of)
        status.push([
          '  └ Containers',
          `${String(of['Containers'])} (${String(of['ContainersRunning'])} running)`,
        ]);
    }
    return jsonAnswer(200, { ...info, ...totals, SystemStatus: status });
  }

  /**
   * A stream from every member (events; a pull, so the image is on those nodes). The manager's refusal is
   * the answer; another member that refuses, or does not begin within 15 s, is left out (a pull says so in
   * a progress line). Their lines are merged.
   */
  private async mergedStream(
    members: readonly ClusterMember[],
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    onResponse: (res: IncomingMessage) => void,
    request: FanOutRequest,
    pull: boolean,
  ): Promise<void> {
    const notes: string[] = [];
    const answers = await Promise.all(
      members.map(
        (member) =>
          new Promise<{ member: ClusterMember; answer?: IncomingMessage }>((resolve, reject) => {
            let left = false;
            const leaveOut = (why: string, err?: Error) => {
              if (left) return;
              left = true;
              this.log.warn({ err, node: member.name }, `a cluster member ${why}`);
              notes.push(JSON.stringify({ status: `${member.name}: ${why}` }));
              resolve({ member });
            };
            const timer = member.client
              ? setTimeout(() => {
                  upstream.destroy();
                  leaveOut(`did not answer within ${this.streamHeadersMs / 1000} s`);
                }, this.streamHeadersMs)
              : undefined;
            const upstream = this.clientOf(member).open(
              method,
              path,
              headers,
              (answer) => {
                clearTimeout(timer);
                const status = answer.statusCode ?? 502;
                if (status < 300 || !member.client) return resolve({ member, answer });
                answer.resume();
                leaveOut(`refused it (${status})`);
              },
              { versioned: false },
            );
            request.onAbort(() => {
              clearTimeout(timer);
              upstream.destroy();
            });
            upstream.on('error', (err) => {
              clearTimeout(timer);
              if (!member.client) return reject(this.unreachable(err));
              leaveOut('did not answer', err);
            });
            upstream.end();
          }),
      ),
    );
    if (request.destroyed) {
      for (const { answer } of answers) answer?.destroy();
      return;
    }
    const own = answers.find((a) => !a.member.client)?.answer;
    if (own && (own.statusCode ?? 502) >= 300) {
      for (const { answer } of answers) if (answer !== own) answer?.destroy();
      onResponse(own);
      return;
    }
    const sources: Readable[] = answers.flatMap((a) => (a.answer ? [a.answer] : []));
    if (pull && notes.length > 0) sources.push(Readable.from([`${notes.join('\n')}\n`]));
    const first = answers.find((a) => a.answer)?.answer;
    const { 'content-length': _length, ...streamHeaders } = first?.headers ?? {
      'content-type': 'application/json',
    };
    const merged = mergeLines(sources, (err) => this.log.warn({ err }, 'a cluster member cut its stream'));
    request.onAbort(() => merged.destroy());
    onResponse(madeAnswer(first?.statusCode ?? 200, streamHeaders, merged));
  }

  /** The node a new container goes to (cluster-placement.ts), and lookups bound to its engine. */
  async placeContainer(body: Json, mayUse: (collection: string) => boolean): Promise<PlacedContainer> {
    const members = (await this.members()).filter((m) => m.id !== '');
    // One node: no choice to make (its node is known from the engine, cached).
    if (members.length <= 1) return await placeOnEngine(this);
    const constraints = constraintsOf(body);
    const image = typeof body['Image'] === 'string' ? body['Image'] : '';
    const ask = (member: ClusterMember, path: string) =>
      this.clientOf(member)
        .call('GET', path)
        .then((a) => (a.status === 200 ? (parsedBody(a) as Json | undefined) : undefined))
        .catch(() => undefined);
    const candidates = await Promise.all(
      members.map(async (member): Promise<Candidate & { collection: string }> => {
        const [node, info, hasImage] = await Promise.all([
          this.inspect<Json>(`/nodes/${encodeURIComponent(member.id)}`),
          ask(member, '/info'),
          image === '' ? false : ask(member, `/images/${encodeURIComponent(image)}/json`).then(Boolean),
        ]);
        const collection = node ? collectionOf(labelsOf('node', node)) : UNLABELLED_COLLECTION;
        const spec = (node?.['Spec'] ?? {}) as Json;
        const status = (node?.['Status'] ?? {}) as Json;
        const engineLabels = (((node?.['Description'] ?? {}) as Json)['Engine'] ?? {}) as Json;
        return {
          id: member.id,
          name: member.name,
          collection,
          labels: {
            ...((engineLabels['Labels'] ?? {}) as Record<string, string>),
            ...((spec['Labels'] ?? {}) as Record<string, string>),
          },
          ready: info !== undefined && status['State'] === 'ready' && spec['Availability'] === 'active',
          allowed: mayUse(collection),
          running: Number(info?.['ContainersRunning'] ?? 0),
          hasImage,
        };
      }),
    );
    const chosen = chooseNode(candidates, constraints) as Candidate & { collection: string };
    return {
      node: chosen.id,
      collection: chosen.collection,
      lookups: this.boundTo(this.memberOf(chosen.id)),
    };
  }

  /** Lookups that go to one member's engine (a placed container's image and volume checks). */
  private boundTo(member: ClusterMember): EngineLookups {
    return {
      call: (method, path, body) => this.callOn(member, method, path, body),
      inspect: async <T>(path: string): Promise<T | undefined> =>
        this.parsed<T>(await this.callOn(member, 'GET', path), path),
    };
  }
}
