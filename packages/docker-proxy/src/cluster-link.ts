/**
 * The proxy's connection to a cluster's engines: the manager's own engine (the link's `client`) and each
 * member node's engine through its agent's engine proxy (mutual TLS, the controller's short-lived
 * certificate: @stevedore/agent's engine-proxy.ts). It answers as one engine, routing each call as
 * cluster-routes.ts says: lists and streams fan out to every member in parallel and are merged
 * (cluster-merge.ts), calls on a container, exec instance or volume go to the member that holds it, and a
 * new container goes where placement put it (cluster-placement.ts). Everything the proxy decides is
 * decided as for one engine: this link only chooses where a planned call is sent.
 *
 * Which member holds what is learnt from the lists and the inspects that pass through it (the planner
 * inspects every target before a call is sent), and asked of every member when not known.
 *
 * A member that does not answer is left out of a merged list (and said so in the log and, for volumes,
 * in the answer's warnings); the manager's own engine not answering fails the call, as with one engine.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Readable, Writable } from 'node:stream';
import type { EngineClient } from '@stevedore/engine';
import type { EngineAnswer, EngineLookups, PlacedContainer } from './engine-api.js';
import { EngineLink } from './engine-link.js';
import { clusterRoute, heldInspectPath, type HeldType, type MergedList } from './cluster-routes.js';
import { mergeLines, mergeLists, type MemberList } from './cluster-merge.js';
import { chooseNode, constraintsOf, type Candidate } from './cluster-placement.js';
import { collectionOf, labelsOf, UNLABELLED_COLLECTION } from './labels.js';
import { placeOnEngine } from './node-of-engine.js';

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

/** How many resource→member entries are kept; the oldest go first (they are asked again if needed). */
const HELD_LIMIT = 100_000;

function jsonAnswer(status: number, value: unknown): EngineAnswer {
  const body = Buffer.from(JSON.stringify(value));
  return { status, headers: { 'content-type': 'application/json' }, body };
}

/** An answer made here, shaped as the engine's for the proxy's forwarding code. */
function madeAnswer(status: number, headers: IncomingMessage['headers'], body: Readable): IncomingMessage {
  return Object.assign(body, { statusCode: status, headers, rawHeaders: [] }) as unknown as IncomingMessage;
}

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
  /** `type:id` → swarm node id of the member that holds it. */
  private readonly held = new Map<string, string>();
  /** The members as last asked, by swarm node id. */
  private known = new Map<string, ClusterMember>();

  constructor(
    dockerHost: string,
    private readonly cluster: ClusterMembers,
    private readonly log: ClusterLog,
  ) {
    super(dockerHost);
  }

  private async members(): Promise<readonly ClusterMember[]> {
    const members = await this.cluster.members();
    this.known = new Map(members.map((m) => [m.id, m]));
    // Not in a swarm (or no member known yet): the manager's engine alone.
    return members.length > 0 ? members : [{ id: '', name: 'local' }];
  }

  private clientOf(member: ClusterMember | undefined): EngineClient {
    return member?.client ?? this.client;
  }

  private remember(type: HeldType, id: string, memberId: string): void {
    const key = `${type}:${id}`;
    this.held.delete(key);
    this.held.set(key, memberId);
    if (this.held.size > HELD_LIMIT) this.held.delete(this.held.keys().next().value!);
  }

  private holderOf(type: HeldType, ref: string): ClusterMember | undefined {
    const id = this.held.get(`${type}:${ref}`);
    return id === undefined ? undefined : this.known.get(id);
  }

  /** The swarm node that holds a container, when known (the planner has inspected it). */
  nodeOfContainer(id: string): string | undefined {
    return this.holderOf('container', id)?.id;
  }

  override clientFor(method: string, path: string): EngineClient {
    const route = clusterRoute(method, path);
    return route.kind === 'held' ? this.clientOf(this.holderOf(route.type, route.ref)) : this.client;
  }

  override open(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    onResponse: (res: IncomingMessage) => void,
    node?: string,
  ): Writable {
    const route = clusterRoute(method, path);
    const direct = (client: EngineClient) =>
      client.open(method, path, headers, onResponse, { versioned: false });
    switch (route.kind) {
      case 'placed':
        return direct(this.clientOf(node === undefined ? undefined : this.known.get(node)));
      case 'held':
        return direct(this.clientOf(this.holderOf(route.type, route.ref)));
      case 'list':
        return this.fanOut(method, path, headers, onResponse, () =>
          this.mergedList(route.list, method, path, true),
        );
      case 'info':
        return this.fanOut(method, path, headers, onResponse, (members) => this.clusterInfo(members));
      case 'stream':
        return new FanOutRequest(async (request) => {
          const members = await this.members();
          if (members.length === 1)
            return this.relay(members[0]!, method, path, headers, onResponse, request);
          await this.mergedStream(members, method, path, headers, onResponse, request);
        });
      default:
        return direct(this.client);
    }
  }

  /** A call answered from every member's (`answer`), or relayed as it is in a cluster of one. */
  private fanOut(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    onResponse: (res: IncomingMessage) => void,
    answer: (members: readonly ClusterMember[]) => Promise<EngineAnswer>,
  ): FanOutRequest {
    return new FanOutRequest(async (request) => {
      const members = await this.members();
      if (members.length === 1) return this.relay(members[0]!, method, path, headers, onResponse, request);
      const made = await answer(members);
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

  override async call(method: string, path: string, body?: unknown): Promise<EngineAnswer> {
    const route = clusterRoute(method, path);
    if (route.kind === 'list') return await this.mergedList(route.list, method, path, false);
    if (route.kind !== 'held') return await super.call(method, path, body);
    const holder = this.holderOf(route.type, route.ref);
    if (holder) {
      const answer = await this.callOn(holder, method, path, body);
      // Gone from there (removed, or a name now used elsewhere): asked of every member again.
      if (answer.status !== 404) return answer;
    }
    const located = await this.locate(route.type, route.ref);
    if (!located.member) return located.answer;
    const inspect = heldInspectPath(route.type, route.ref);
    if (method === 'GET' && path === inspect) return located.answer;
    return await this.callOn(located.member, method, path, body);
  }

  private async callOn(
    member: ClusterMember,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<EngineAnswer> {
    if (!member.client) return await super.call(method, path, body);
    try {
      return await member.client.call(method, path, { body });
    } catch (err) {
      throw this.unreachable(err as Error);
    }
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
    if (own.answer!.status !== 200) return own.answer!;
    const info = JSON.parse(own.answer!.body.toString('utf8')) as Json;
    const counted = ['Containers', 'ContainersRunning', 'ContainersPaused', 'ContainersStopped'] as const;
    const totals = Object.fromEntries(counted.map((field) => [field, 0])) as Record<string, number>;
    const status: [string, string][] = [['Nodes', String(members.length)]];
    for (const { member, answer } of answers) {
      const of = answer?.status === 200 ? (JSON.parse(answer.body.toString('utf8')) as Json) : undefined;
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

  /** Asks every member for the resource; the manager's answer wins a tie (volumes of one name). */
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
    const found = answers.filter((a) => a !== undefined && a.answer.status === 200) as {
      member: ClusterMember;
      answer: EngineAnswer;
    }[];
    const idOf = (answer: EngineAnswer) => {
      const value = JSON.parse(answer.body.toString('utf8')) as Json;
      return String(type === 'volume' ? value['Name'] : (value['Id'] ?? value['ID']));
    };
    const ids = found.map((f) => idOf(f.answer));
    if (type !== 'volume' && new Set(ids).size > 1) {
      const nodes = found.map((f) => f.member.name).join(', ');
      return {
        answer: jsonAnswer(409, {
          message: `${ref} names a ${type} on several nodes (${nodes}): use its id`,
        }),
      };
    }
    const first = found[0];
    if (!first) {
      const local = answers.find((a) => a && !a.member.client);
      return { answer: local?.answer ?? jsonAnswer(404, { message: `No such ${type}: ${ref}` }) };
    }
    this.remember(type, ids[0]!, first.member.id);
    return first;
  }

  /** Every member's list, merged; members that fail are left out (the manager's own failing fails it). */
  private async mergedList(
    list: MergedList,
    method: string,
    path: string,
    forCaller: boolean,
  ): Promise<EngineAnswer> {
    const members = await this.members();
    const versioned = { versioned: !forCaller };
    if (members.length === 1) return await this.callOn(members[0]!, method, path);
    const answers = await Promise.all(
      members.map(async (member) => {
        const client = this.clientOf(member);
        try {
          return { member, answer: await client.call(method, path, versioned) };
        } catch (err) {
          if (!member.client) throw this.unreachable(err as Error);
          this.log.warn({ err, node: member.name }, 'a cluster member did not answer a list');
          return { member, answer: undefined };
        }
      }),
    );
    const failed = answers.find((a) => a.answer && a.answer.status >= 300 && !a.member.client);
    if (failed?.answer) return failed.answer;
    const lists: MemberList[] = answers.map(({ member, answer }) => {
      if (!answer || answer.status >= 300) {
        if (answer)
          this.log.warn({ node: member.name, status: answer.status }, 'a cluster member refused a list');
        return { node: member.name, value: undefined };
      }
      const value = JSON.parse(answer.body.toString('utf8')) as unknown;
      if (list !== 'images') this.rememberListed(list, value, member.id);
      return { node: member.name, value };
    });
    const limit = Number(new URL(path, 'http://engine').searchParams.get('limit') ?? '');
    const merged = mergeLists(list, lists, {
      nodeNames: forCaller,
      ...(Number.isInteger(limit) && limit > 0 ? { limit } : {}),
    });
    return jsonAnswer(200, merged);
  }

  private rememberListed(list: 'containers' | 'volumes', value: unknown, memberId: string): void {
    const items = list === 'containers' ? value : ((value ?? {}) as { Volumes?: unknown }).Volumes;
    if (!Array.isArray(items)) return;
    for (const item of items as Json[]) {
      const id = list === 'containers' ? item['Id'] : item['Name'];
      if (typeof id === 'string') this.remember(list === 'containers' ? 'container' : 'volume', id, memberId);
    }
  }

  /**
   * A stream from every member (events; a pull, so the image is on every node): once all have answered,
   * a refusal from any is the answer, else their lines are merged.
   */
  private async mergedStream(
    members: readonly ClusterMember[],
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    onResponse: (res: IncomingMessage) => void,
    request: FanOutRequest,
  ): Promise<void> {
    const answers = await Promise.all(
      members.map(
        (member) =>
          new Promise<{ member: ClusterMember; answer?: IncomingMessage }>((resolve, reject) => {
            const upstream = this.clientOf(member).open(
              method,
              path,
              headers,
              (answer) => resolve({ member, answer }),
              { versioned: false },
            );
            request.onAbort(() => upstream.destroy());
            upstream.on('error', (err) => {
              if (!member.client) return reject(this.unreachable(err));
              this.log.warn({ err, node: member.name }, 'a cluster member did not answer a stream');
              resolve({ member });
            });
            upstream.end();
          }),
      ),
    );
    if (request.destroyed) {
      for (const { answer } of answers) answer?.destroy();
      return;
    }
    const refused = answers.find((a) => a.answer && (a.answer.statusCode ?? 502) >= 300);
    if (refused?.answer) {
      for (const { answer } of answers) if (answer !== refused.answer) answer?.destroy();
      onResponse(refused.answer);
      return;
    }
    const sources = answers.flatMap((a) => (a.answer ? [a.answer] : []));
    const first = sources[0]!;
    const { 'content-length': _length, ...streamHeaders } = first.headers;
    const merged = mergeLines(sources, (err) => this.log.warn({ err }, 'a cluster member cut its stream'));
    request.onAbort(() => merged.destroy());
    onResponse(madeAnswer(first.statusCode ?? 200, streamHeaders, merged));
  }

  /** The node a new container goes to (cluster-placement.ts), and lookups bound to its engine. */
  async placeContainer(body: Json, mayUse: (collection: string) => boolean): Promise<PlacedContainer> {
    const constraints = constraintsOf(body);
    const members = (await this.members()).filter((m) => m.id !== '');
    // One node and nothing asked of it: no choice to make (its node is known from the engine, cached).
    if (members.length === 0 || (members.length === 1 && constraints.length === 0))
      return await placeOnEngine(this);
    const image = typeof body['Image'] === 'string' ? body['Image'] : '';
    const ask = (member: ClusterMember, path: string) =>
      this.clientOf(member)
        .call('GET', path)
        .then((a) => (a.status === 200 ? (JSON.parse(a.body.toString('utf8')) as Json) : undefined))
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
    const member = this.known.get(chosen.id);
    return { node: chosen.id, collection: chosen.collection, lookups: this.boundTo(member) };
  }

  /** Lookups that go to one member's engine (a placed container's image and volume checks). */
  private boundTo(member: ClusterMember | undefined): EngineLookups {
    if (!member?.client) return this;
    return {
      call: (method, path, body) => this.callOn(member, method, path, body),
      inspect: async <T>(path: string): Promise<T | undefined> =>
        this.parsed<T>(await this.callOn(member, 'GET', path), path),
    };
  }
}
