/**
 * `node --import tsx packages/docker-proxy/bench/rewrite.bench.ts`: the proxy's own work on one answer of
 * `GET /services` and `GET /tasks` (500 each, shaped as Docker 20.10 answers them, five env variables per
 * spec), in-process, no sockets: what respondRewritten does between the engine's bytes and the caller's.
 *
 * - fast path: Restricted Control on every item's collection: parse, filter (nothing dropped), redaction
 *   (nothing redacted), then the engine's bytes go out as they came;
 * - redacted: View Only there: the same, plus every item redacted and the answer serialized again.
 * Administrators' lists are piped (no parse at all), so they cost nothing here.
 *
 * Each row three ways: `buffered` (the whole answer parsed, filtered, redacted, serialized if changed: how
 * the proxy answered before list-stream.ts), `streamed` (list-stream.ts on an answer it has not seen:
 * every element scanned, only its labels parsed) and `again` (the same answer a second time: compared
 * with the one kept in list-memo.ts, not scanned); decisions are kept per call only in all three.
 */
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ListedType } from '../src/operations/index.js';
import { answerContext, rewriteAnswer } from '../src/answer-rewrites.js';
import { filterList } from '../src/list-filter.js';
import { ListMemo } from '../src/list-memo.js';
import { filteredListStream, type StreamedType } from '../src/list-stream.js';
import { Resolver } from '../src/resolver.js';
import { IN_DEV, testCallers, type Who } from '../src/test-callers.js';
import { fakeLookups } from '../src/test-lookups.js';

const COUNT = 500;
const RUNS = 200;
const ENV = ['PASSWORD=hunter2', 'DB_HOST=db', 'DB_USER=app', 'MODE=production', 'TOKEN=abcdef0123456789'];
const spec = (i: number) => ({
  Name: `svc-${i}`,
  Labels: IN_DEV,
  TaskTemplate: {
    ContainerSpec: {
      Image: 'stevedore/busybox:test',
      Command: ['sleep', '1000'],
      Env: ENV,
      Isolation: 'default',
    },
    Resources: { Limits: {}, Reservations: {} },
    RestartPolicy: { Condition: 'any', Delay: 5000000000, MaxAttempts: 0 },
    Placement: { Constraints: ['node.id!=abc'] },
    ForceUpdate: 0,
    Runtime: 'container',
  },
  Mode: { Replicated: { Replicas: 1 } },
  EndpointSpec: { Mode: 'vip' },
});
const services = Array.from({ length: COUNT }, (_, i) => ({
  ID: `service${String(i).padStart(18, '0')}`,
  Version: { Index: 100 + i },
  CreatedAt: '2026-12-01T17:43:56.859883529Z',
  UpdatedAt: '2026-12-01T17:43:56.859883529Z',
  Spec: spec(i),
  Endpoint: { Spec: { Mode: 'vip' } },
}));
const tasks = services.map((s, i) => ({
  ID: `task${String(i).padStart(21, '0')}`,
  Version: { Index: 200 + i },
  Spec: { ContainerSpec: spec(i).TaskTemplate.ContainerSpec, ForceUpdate: 0 },
  ServiceID: s.ID,
  Slot: 1,
  NodeID: 'node',
  Status: { Timestamp: '2026-12-01T17:44:00Z', State: 'running', Message: 'started' },
  DesiredState: 'running',
}));

async function oneAnswer(who: Who, type: ListedType, raw: Buffer): Promise<number> {
  const { access, caller } = testCallers()[who];
  const engine = fakeLookups({ services });
  const ctx = answerContext(engine, new Resolver(engine), access, caller);
  const parsed = JSON.parse(raw.toString('utf8')) as unknown;
  const filtered = await filterList(type, parsed, access, caller, ctx.resolver);
  const value = await rewriteAnswer(
    { action: '', target: '', url: '', answer: 'list', listType: type },
    filtered,
    ctx,
  );
  return (value === parsed ? raw : Buffer.from(JSON.stringify(value))).length;
}

type Way = 'buffered' | 'streamed' | 'again';

/** The streamed answer's size; `memo` keeps the scan for the next identical answer (`again`). */
async function streamedAnswer(who: Who, type: StreamedType, raw: Buffer, memo?: ListMemo): Promise<number> {
  const { access, caller } = testCallers()[who];
  const engine = fakeLookups({ services });
  const pieces = Array.from({ length: Math.ceil(raw.length / 65536) }, (_, i) =>
    raw.subarray(i * 65536, (i + 1) * 65536),
  );
  let bytes = 0;
  await pipeline(
    Readable.from(pieces),
    filteredListStream(
      type,
      { access, caller, resolver: new Resolver(engine) },
      memo ? { memo, key: type } : undefined,
    ),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    }),
  );
  return bytes;
}

async function row(who: Who, type: StreamedType, list: unknown[], way: Way) {
  const raw = Buffer.from(JSON.stringify(list));
  const memo = new ListMemo();
  const answer = () =>
    way === 'buffered'
      ? oneAnswer(who, type, raw)
      : streamedAnswer(who, type, raw, way === 'again' ? memo : undefined);
  for (let i = 0; i < 20; i++) await answer();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    bytes = await answer();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
  const path = type === 'service' ? '/services' : '/tasks';
  console.log(
    `GET ${path} ×${COUNT}  ${who.padEnd(18)} ${way.padEnd(8)} min ${at(0)} ms  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  in ${(raw.length / 1024).toFixed(0)} KiB → out ${(bytes / 1024).toFixed(0)} KiB`,
  );
}

console.log(`Node ${process.version}; ${RUNS} runs after 20 warm-up, per answer:`);
for (const [type, list] of [
  ['service', services],
  ['task', tasks],
] as const) {
  for (const who of ['restricted-control', 'view-only'] as const)
    for (const way of ['buffered', 'streamed', 'again'] as const) await row(who, type, list, way);
}
