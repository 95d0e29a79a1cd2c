/**
 * How the etcd cluster behind a Store is doing, asked of every endpoint on its own (etcd's JSON gateway:
 * `POST /v3/maintenance/status` and `/v3/cluster/member/list`), so the answer is there exactly when the
 * cluster is not: which members answer, which one leads, and whether a majority agrees on that leader.
 *
 * Quorum is judged from the members that answer: it holds when more than half of the cluster's members
 * (the member list, or the configured endpoints when no member answers) answer and name the same, living
 * leader. Each probe gives up after `timeoutMs`, so a dead member costs one timeout, in parallel.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { StoreHealth, StoreMemberHealth } from './contract.js';

export interface EtcdTls {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

interface Status {
  readonly header: { readonly member_id: string };
  /** Absent when the member follows no leader (the gateway leaves out zero values). */
  readonly leader?: string;
  readonly raftTerm?: string;
}
interface Member {
  readonly ID: string;
  readonly name: string;
  readonly clientURLs?: string[];
  readonly isLearner?: boolean;
}
interface MemberList {
  readonly members: readonly Member[];
}
interface Probed {
  readonly endpoint: string;
  readonly status?: Status;
  readonly error?: string;
}

const PROBE_MS = 1500;

function post<T>(endpoint: string, path: string, tls: EtcdTls, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const url = new URL(path, endpoint);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        timeout: timeoutMs,
        ...(url.protocol === 'https:' ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk.length + body.length > 1 << 20 ? '' : chunk));
        res.on('end', () => {
          if (res.statusCode !== 200)
            return reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
          try {
            resolve(JSON.parse(body) as T);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end('{}');
  });
}

const isStatus = (v: unknown): v is Status => {
  const s = v as Partial<Status> | null;
  return typeof s?.header?.member_id === 'string' && (s.leader === undefined || typeof s.leader === 'string');
};

function statusOf(endpoint: string, tls: EtcdTls, timeoutMs: number): Promise<Probed> {
  return post<unknown>(endpoint, '/v3/maintenance/status', tls, timeoutMs).then(
    (status) => (isStatus(status) ? { endpoint, status } : { endpoint, error: 'not an etcd status answer' }),
    (err: unknown) => ({ endpoint, error: err instanceof Error ? err.message : String(err) }),
  );
}

/** Never throws: a probe that cannot even start reports every endpoint unreachable, with the reason. */
export async function probeEtcd(
  endpoints: readonly string[],
  tls: EtcdTls = {},
  timeoutMs = PROBE_MS,
): Promise<StoreHealth> {
  try {
    return await probe(endpoints, tls, timeoutMs);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return {
      kind: 'etcd',
      quorum: false,
      members: endpoints.map((endpoint) => ({
        name: endpoint,
        endpoint,
        reachable: false,
        leader: false,
        error,
      })),
      message: `could not ask etcd how it is: ${error}`,
    };
  }
}

async function probe(endpoints: readonly string[], tls: EtcdTls, timeoutMs: number): Promise<StoreHealth> {
  const first = await Promise.all([...new Set(endpoints)].map((e) => statusOf(e, tls, timeoutMs)));
  // The member list of the freshest answering member (highest raft term): a partitioned one may be stale.
  const freshest = first
    .filter((p) => p.status)
    .sort((a, b) => Number(b.status!.raftTerm ?? 0) - Number(a.status!.raftTerm ?? 0))[0];
  const list = freshest
    ? await post<MemberList>(freshest.endpoint, '/v3/cluster/member/list', tls, timeoutMs).catch(
        () => undefined,
      )
    : undefined;
  const voters = list?.members.filter((m) => !m.isLearner);
  // A controller may know only some endpoints: the members it was not given are asked at their own URLs.
  const asked = new Set(first.map((p) => p.endpoint));
  const others = (voters ?? [])
    .filter((m) => m.clientURLs?.[0] !== undefined && !m.clientURLs.some((u) => asked.has(u)))
    .map((m) => m.clientURLs![0]!);
  const probed = [...first, ...(await Promise.all(others.map((e) => statusOf(e, tls, timeoutMs))))];
  // One answer per member, by its id: two URLs of one member do not vote twice.
  const byId = new Map<string, Probed>();
  for (const p of probed)
    if (p.status && !byId.has(p.status.header.member_id)) byId.set(p.status.header.member_id, p);
  const listed = voters ? new Set(voters.map((m) => m.ID)) : new Set(byId.keys());
  const votes = new Map<string, number>();
  for (const p of byId.values()) {
    const leader = p.status!.leader;
    if (leader !== undefined && listed.has(leader)) votes.set(leader, (votes.get(leader) ?? 0) + 1);
  }
  const [leaderId, agreeing] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? [undefined, 0];
  const members: StoreMemberHealth[] = voters
    ? voters.map((m) => {
        const answer = byId.get(m.ID) ?? probed.find((p) => m.clientURLs?.includes(p.endpoint));
        return memberOf(
          m.name || m.ID,
          m.clientURLs?.[0] ?? answer?.endpoint ?? '',
          answer,
          m.ID === leaderId,
        );
      })
    : probed.map((p) => memberOf(p.endpoint, p.endpoint, p, p.status?.header.member_id === leaderId));
  const quorum = leaderId !== undefined && agreeing > members.length / 2;
  const leaderName = members.find((m) => m.leader)?.name;
  const reachable = members.filter((m) => m.reachable).length;
  return {
    kind: 'etcd',
    quorum,
    ...(quorum && leaderName ? { leader: leaderName } : {}),
    members,
    message: quorum
      ? `etcd: ${reachable} of ${members.length} members answer, ${leaderName ?? 'one'} leads`
      : `etcd has no quorum: ${reachable} of ${members.length} members answer` +
        `${reachable > 0 ? ' and they agree on no leader a majority follows' : ''}; ` +
        `writes and reads wait until a majority (${Math.floor(members.length / 2) + 1}) is back`,
  };
}

function memberOf(
  name: string,
  endpoint: string,
  answer: Probed | undefined,
  leader: boolean,
): StoreMemberHealth {
  return {
    name,
    endpoint,
    reachable: answer?.status !== undefined,
    leader: leader && answer?.status !== undefined,
    ...(answer?.status ? {} : { error: answer?.error ?? 'not asked' }),
  };
}
