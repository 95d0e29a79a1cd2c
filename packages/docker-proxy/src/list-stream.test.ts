/**
 * The streamed list filter against the buffered one it replaces (parse the list, list-filter.ts, then
 * answer-rewrites.ts's redaction, serialize if changed): on random lists, written with the tricks a JSON
 * reader must not fall for (escaped keys, a member given twice, odd whitespace, members that are null or
 * no object), cut into random pieces, every caller gets the same items, redacted the same.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { answerContext, rewriteAnswer } from './answer-rewrites.js';
import type { ProxyAccess, ProxyCaller } from './caller.js';
import type { EngineLookups } from './engine-api.js';
import { filterList } from './list-filter.js';
import { ListMemo } from './list-memo.js';
import { DECIDING_FIELDS, filteredListStream, type ListMemoSlot, type StreamedType } from './list-stream.js';
import type { Resolver } from './resolver.js';
import { testAccess } from './test-access.js';
import { testCallers } from './test-callers.js';

type Json = Record<string, unknown>;

const LABEL = 'io.stevedore.collection';
const SERVICE_LABEL = 'com.docker.swarm.service.id';
const SERVICES = new Map([
  ['svc-dev', '/Shared/dev'],
  ['svc-a', '/Shared/a'],
  ['svc-sys', '/System'],
]);
const resolver = { serviceCollections: () => Promise.resolve(SERVICES) } as unknown as Resolver;
const noEngine = {} as EngineLookups;

/** The callers: test-callers' View Only and Restricted Control on /Shared/dev, and one with mixed grants. */
type Caller = { access: ProxyAccess; caller: ProxyCaller };

function callers(): Record<'view-only' | 'restricted-control' | 'mixed', Caller> {
  const { 'view-only': viewOnly, 'restricted-control': restricted } = testCallers();
  const mixed = testAccess('mia', [
    { roleId: 'view-only', collection: '/Shared/a' },
    { roleId: 'full-control', collection: '/Shared/b' },
  ]);
  mixed.model.addCollection('/Shared/a/sub');
  return { 'view-only': viewOnly, 'restricted-control': restricted, mixed };
}

/** What the proxy answered before streaming: the parsed list, filtered and redacted, re-serialized if changed. */
async function buffered(type: StreamedType, raw: Buffer, who: { access: ProxyAccess; caller: ProxyCaller }) {
  const parsed = JSON.parse(raw.toString('utf8')) as unknown;
  const ctx = answerContext(noEngine, resolver, who.access, who.caller);
  const filtered = await filterList(type, parsed, who.access, who.caller, ctx.resolver);
  const value = await rewriteAnswer(
    { action: '', target: '', url: '', answer: 'list', listType: type },
    filtered,
    ctx,
  );
  return value === parsed ? raw : Buffer.from(JSON.stringify(value));
}

async function streamed(
  type: StreamedType,
  pieces: readonly Buffer[],
  who: { access: ProxyAccess; caller: ProxyCaller },
  slot?: ListMemoSlot,
): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    filteredListStream(type, { ...who, resolver }, slot),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('the streamed list filter', () => {
  it('keeps and redacts exactly what the buffered filter did, on random lists cut anywhere', async () => {
    const random = prng(42);
    const who = callers();
    for (let run = 0; run < 150; run++) {
      const type = TYPES[random.int(TYPES.length)]!;
      const items = Array.from({ length: random.int(12) }, () => randomItem(type, random));
      const raw = Buffer.from(writeJson(items, random, 0));
      const pieces = cut(raw, random);
      for (const [name, caller] of Object.entries(who)) {
        const expected = JSON.parse((await buffered(type, raw, caller)).toString('utf8')) as unknown;
        const got = JSON.parse((await streamed(type, pieces, caller)).toString('utf8')) as unknown;
        assert.deepEqual(got, expected, `run ${run}: ${type} list as ${name}: ${raw.toString('utf8')}`);
      }
    }
  });

  it('decides an answer seen before from what its scan kept, and one that changed from a new scan', async () => {
    const random = prng(9);
    const who = callers();
    const memo = new ListMemo();
    let hits = 0;
    const get = memo.get.bind(memo);
    memo.get = (key) => {
      const found = get(key);
      if (found) hits++;
      return found;
    };
    for (let run = 0; run < 60; run++) {
      const type = TYPES[run % TYPES.length]!;
      const slot = { memo, key: type };
      // Items written once each, so answers that differ from the first share its bytes up to the change.
      const item = () => writeJson(randomItem(type, random), random, 1);
      const texts = Array.from({ length: 2 + random.int(10) }, item);
      const answer = (list: readonly string[]) => Buffer.from(`[${list.join(',')}]\n`);
      const first = answer(texts);
      const middle = texts.length >> 1;
      const answers = [
        first,
        first,
        answer(texts.map((t, i) => (i === middle ? item() : t))), // an item changed
        answer([...texts, item()]), // one more
        answer(texts.slice(0, -1)), // one fewer
        answer(texts.slice(1)), // another first
        answer(texts.map((t, i) => (i === middle ? t.replace(/"/, ' "') : t))), // written otherwise
        first,
      ];
      for (const [i, raw] of answers.entries()) {
        for (const [name, caller] of Object.entries(who)) {
          const expected = JSON.parse((await buffered(type, raw, caller)).toString('utf8')) as unknown;
          const got = JSON.parse(
            (await streamed(type, cut(raw, random), caller, slot)).toString('utf8'),
          ) as unknown;
          assert.deepEqual(got, expected, `run ${run}, answer ${i}, as ${name}: ${raw.toString('utf8')}`);
        }
      }
      await assert.rejects(streamed(type, cut(first.subarray(0, first.length - 2), random), who.mixed, slot));
      await assert.rejects(streamed(type, [first, Buffer.from('x')], who.mixed, slot));
    }
    assert.ok(hits > 500, `${hits} answers were decided from the memo`);
  });

  it('sends a list the caller sees whole byte for byte as the engine wrote it', async () => {
    const { 'restricted-control': rita } = callers();
    const raw = Buffer.from(
      '[{"Id":"a","Labels":{"io.stevedore.collection":"/Shared/dev"},"Note":"\\u003c\\/ok>"},{"Id":"b","Labels":{"io.stevedore.collection":"/Shared/dev"}}]\n',
    );
    assert.deepEqual(await streamed('container', [raw.subarray(0, 7), raw.subarray(7)], rita), raw);
  });

  it('keeps the engine’s bytes of each kept item, and re-serializes only the redacted ones', async () => {
    const { 'view-only': bob } = callers();
    const dev = { [LABEL]: '/Shared/dev' };
    const text = `[ {"ID" : "s1", "Spec":{"Labels":${JSON.stringify(dev)}, "TaskTemplate":{"ContainerSpec":{"Env":["A=b"]}}}},
      {"ID":"s2","Spec":{"Labels":{}}}, {"ID":"s3" ,"Spec":{"Labels":${JSON.stringify(dev)}}} ]`;
    const out = (await streamed('service', [Buffer.from(text)], bob)).toString('utf8');
    assert.ok(out.includes('{"ID":"s3" ,"Spec"'), out);
    assert.deepEqual(
      (JSON.parse(out) as Json[]).map((s) => s['ID']),
      ['s1', 's3'],
    );
    assert.ok(out.includes('"Env":["A=<redacted by Stevedore>"]'), out);
  });

  it('lists the services once, and only when a task or a task container needs them', async () => {
    const { 'view-only': bob } = callers();
    let listed = 0;
    const counting = {
      serviceCollections: () => {
        listed++;
        return Promise.resolve(SERVICES);
      },
    };
    const run = async (type: StreamedType, items: Json[]) => {
      const out: Buffer[] = [];
      await pipeline(
        Readable.from([Buffer.from(JSON.stringify(items))]),
        filteredListStream(type, { ...bob, resolver: counting }),
        new Writable({ write: (c: Buffer, _e, done) => (out.push(c), done()) }),
      );
      return JSON.parse(Buffer.concat(out).toString('utf8')) as Json[];
    };
    await run('container', [{ Id: 'plain', Labels: { [LABEL]: '/Shared/dev' } }]);
    assert.equal(listed, 0);
    const tasks = await run('task', [
      { ID: 't1', ServiceID: 'svc-dev' },
      { ID: 't2', ServiceID: 'svc-sys' },
      { ID: 't3', ServiceID: 'svc-dev' },
    ]);
    assert.deepEqual(
      tasks.map((t) => t['ID']),
      ['t1', 't3'],
    );
    assert.equal(listed, 1);
  });

  it('passes on a document that is no array as it came, and ends an answer that is no JSON', async () => {
    const { 'view-only': bob } = callers();
    assert.equal(
      (await streamed('network', [Buffer.from('nu'), Buffer.from('ll\n')], bob)).toString(),
      'null\n',
    );
    await assert.rejects(streamed('network', [Buffer.from('[{"Labels":{}},')], bob), /ended before/);
    await assert.rejects(streamed('network', [Buffer.from('{"not": json')], bob), SyntaxError);
    await assert.rejects(streamed('network', [Buffer.from('[{"Labels":{"a":}}]')], bob), SyntaxError);
  });

  it('answers an empty list, or one whose items are all dropped, with []', async () => {
    const { 'view-only': bob } = callers();
    assert.equal((await streamed('secret', [Buffer.from('[]')], bob)).toString(), '[]\n');
    const hidden = JSON.stringify([{ ID: 'x', Spec: { Labels: { [LABEL]: '/System' } } }]);
    assert.equal((await streamed('secret', [Buffer.from(hidden)], bob)).toString(), '[]\n');
  });
});

const TYPES = Object.keys(DECIDING_FIELDS) as StreamedType[];

interface Random {
  int(below: number): number;
  pick<T>(of: readonly T[]): T;
}

function prng(seed: number): Random {
  let a = seed >>> 0;
  const int = (below: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
  return { int, pick: (of) => of[int(of.length)]! };
}

const COLLECTIONS: readonly unknown[] = [
  '/Shared/dev',
  '/Shared/a',
  '/Shared/a/sub',
  '/Shared/b',
  '/System',
  '/Shared/none',
  '',
  5,
  undefined,
];

function randomLabels(random: Random): unknown {
  const roll = random.int(10);
  if (roll === 0) return null;
  if (roll === 1) return 'not an object';
  const labels: Json = { other: 'x"],[{' };
  const collection = random.pick(COLLECTIONS);
  if (collection !== undefined) labels[LABEL] = collection;
  if (random.int(4) === 0) labels[SERVICE_LABEL] = random.pick(['svc-dev', 'svc-a', 'svc-sys', 'gone']);
  return labels;
}

const env = (random: Random) => (random.int(2) === 0 ? ['PASSWORD=hunter2', 'BARE'] : []);

function randomItem(type: StreamedType, random: Random): Json {
  const id = `id-${random.int(1000)}`;
  switch (type) {
    case 'container':
      return random.int(5) === 0
        ? { Id: id, Labels: null, Config: { Labels: randomLabels(random) } }
        : { Id: id, Names: ['/x'], Labels: randomLabels(random), Config: random.int(3) === 0 ? null : {} };
    case 'task':
      return {
        ID: id,
        ServiceID: random.pick(['svc-dev', 'svc-a', 'svc-sys', 'gone', 7]),
        Spec: { ContainerSpec: { Env: env(random) } },
      };
    case 'network':
      return { Id: id, Name: 'n', Labels: randomLabels(random) };
    default: {
      const spec: Json = { Name: 'x', Labels: randomLabels(random) };
      if (type === 'service') spec['TaskTemplate'] = { ContainerSpec: { Env: env(random) } };
      return { ID: id, Version: { Index: 1 }, Spec: random.int(8) === 0 ? null : spec };
    }
  }
}

const SPACES = ['', '', '', ' ', '\n  ', '\t'];

/** `value` as JSON with random whitespace, some keys \u-escaped, and some members given twice (a decoy first). */
function writeJson(value: unknown, random: Random, depth: number): string {
  const ws = () => random.pick(SPACES);
  if (Array.isArray(value))
    return `[${ws()}${value.map((v) => writeJson(v, random, depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const members: string[] = [];
  for (const [key, v] of Object.entries(value as Json)) {
    if (v === undefined) continue;
    if (depth <= 2 && random.int(6) === 0)
      members.push(`${writeKey(key, random)}:${JSON.stringify({ [LABEL]: '/Shared/dev', decoy: true })}`);
    members.push(`${writeKey(key, random)}${ws()}:${ws()}${writeJson(v, random, depth + 1)}`);
  }
  return `{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}`;
}

function writeKey(key: string, random: Random): string {
  if (key.length === 0 || random.int(5) !== 0) return JSON.stringify(key);
  const at = random.int(key.length);
  const escaped = `\\u${key.charCodeAt(at).toString(16).padStart(4, '0')}`;
  return `"${JSON.stringify(key).slice(1, -1).slice(0, at)}${escaped}${key.slice(at + 1)}"`;
}

function cut(raw: Buffer, random: Random): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < raw.length;) {
    const size = 1 + random.int(random.int(2) === 0 ? 8 : 200);
    pieces.push(raw.subarray(i, i + size));
    i += size;
  }
  return pieces;
}
