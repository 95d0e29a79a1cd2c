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
  readonly leader: string;
}
interface MemberList {
  readonly members: readonly { readonly ID: string; readonly name: string; readonly clientURLs?: string[] }[];
}

const PROBE_MS = 1500;

function post<T>(endpoint: string, path: string, tls: EtcdTls, timeoutMs: number): Promise<T> {
  const url = new URL(path, endpoint);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<T>((resolve, reject) => {
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

export async function probeEtcd(
  endpoints: readonly string[],
  tls: EtcdTls = {},
  timeoutMs = PROBE_MS,
): Promise<StoreHealth> {
  const statuses = await Promise.all(
    endpoints.map((endpoint) =>
      post<Status>(endpoint, '/v3/maintenance/status', tls, timeoutMs).then(
        (status) => ({ endpoint, status, error: undefined }),
        (err: unknown) => ({ endpoint, status: undefined, error: (err as Error).message }),
      ),
    ),
  );
  const answering = statuses.find((s) => s.status);
  const list = answering
    ? await post<MemberList>(answering.endpoint, '/v3/cluster/member/list', tls, timeoutMs).catch(
        () => undefined,
      )
    : undefined;
  const byId = new Map(statuses.flatMap((s) => (s.status ? [[s.status.header.member_id, s] as const] : [])));
  const members: StoreMemberHealth[] = list
    ? list.members.map((m) => {
        const probed = byId.get(m.ID) ?? statuses.find((s) => m.clientURLs?.includes(s.endpoint));
        const endpoint = m.clientURLs?.[0] ?? probed?.endpoint ?? '';
        return memberOf(m.name || m.ID, endpoint, probed);
      })
    : statuses.map((s) => memberOf(s.endpoint, s.endpoint, s));
  const votes = new Map<string, number>();
  for (const s of statuses) {
    const leader = s.status?.leader;
    if (leader && leader !== '0' && byId.has(leader)) votes.set(leader, (votes.get(leader) ?? 0) + 1);
  }
  const [leaderId, agreeing] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? [undefined, 0];
  const quorum = agreeing > members.length / 2;
  const leaderName = leaderId
    ? (list?.members.find((m) => m.ID === leaderId)?.name ?? byId.get(leaderId)?.endpoint)
    : undefined;
  for (const m of members) if (leaderId && byId.get(leaderId)?.endpoint === m.endpoint) m.leader = true;
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
  probed: { status: Status | undefined; error: string | undefined } | undefined,
): StoreMemberHealth {
  return {
    name,
    endpoint,
    reachable: probed?.status !== undefined,
    leader: false,
    ...(probed?.error !== undefined ? { error: probed.error } : probed ? {} : { error: 'not probed' }),
  };
}
