/**
 * The canonical decoder against the engine's own decoding (moby 20.10's Go types through encoding/json, in
 * packages/testkit/go/engine-decode): for a few thousand generated bodies, whatever the proxy accepts, the
 * engine must read the proxy's canonical body exactly as it reads the client's original. Bodies the proxy
 * refuses have nothing to compare; both groups must be large, or the test proves little.
 * Also: the schemas' structs and maps are the engine's structs and maps (folding applies to the one, never
 * to the other), and their scalar types are the engine's.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildGoTool, runLineTool } from '@stevedore/testkit';
import { EngineRefusal } from '../refusals.js';
import { type BodyKind, decodeBody } from './decode.js';
import { BodyWriter, Random, toBytes } from './differential-bodies.js';
import { ENGINE_BODIES } from './engine-schemas.generated.js';
import { foldKey } from './fold.js';
import type { Schema } from './schema.js';
import { serialize } from './serialize.js';

const BODIES = 3000;
const KINDS = Object.keys(ENGINE_BODIES) as BodyKind[];
const CLI_BODIES = JSON.parse(
  readFileSync(new URL('./differential-cli-bodies.json', import.meta.url), 'utf8'),
) as { cli: string; kind: BodyKind; body: unknown }[];

interface Case {
  readonly kind: BodyKind;
  readonly bytes: Buffer;
  readonly admin: boolean;
}

function generate(count: number, seed: number): Case[] {
  const r = new Random(seed);
  const writer = new BodyWriter(r);
  return Array.from({ length: count }, () => {
    const fromCli = r.chance(0.4);
    const real = r.pick(CLI_BODIES);
    const kind = fromCli ? real.kind : r.pick(KINDS);
    const schema = ENGINE_BODIES[kind].schema;
    const text = fromCli ? writer.rewrite(real.body, schema, 0) : writer.value(schema, 0);
    return { kind, bytes: toBytes(text), admin: r.chance(0.3) };
  });
}

const line = (kind: string, body: Buffer) => JSON.stringify({ kind, body: body.toString('base64') });

let binary: string;
before(async () => {
  binary = await buildGoTool('engine-decode');
});

describe('canonical decoder against the engine (Go)', () => {
  it('gives the engine the body it would have read from the client', async (t) => {
    const cases = generate(BODIES, 20260601);
    const accepted: { c: Case; canonical: Buffer }[] = [];
    let refused = 0;
    for (const c of cases) {
      try {
        accepted.push({ c, canonical: serialize(decodeBody(c.kind, c.bytes, { allowUnknown: c.admin })) });
      } catch (e) {
        if (!(e instanceof EngineRefusal)) throw e;
        refused++;
      }
    }
    const lines = accepted.flatMap(({ c, canonical }) => [line(c.kind, c.bytes), line(c.kind, canonical)]);
    // Compared as Go wrote them: its encoding is deterministic, and parsing would round big numbers.
    const answers = await runLineTool(binary, lines);
    let bothRefusedByGo = 0;
    const disagreements: string[] = [];
    accepted.forEach(({ c, canonical }, i) => {
      const [original, ours] = [answers[2 * i]!, answers[2 * i + 1]!];
      if (original.startsWith('{"error"') && ours.startsWith('{"error"')) return void bothRefusedByGo++;
      if (original !== ours)
        disagreements.push(
          `${c.kind} ${c.bytes.toString()}\n  canonical ${canonical.toString()}\n  engine ${original}\n  ours ${ours}`,
        );
    });
    const summary = `${accepted.length} accepted (${bothRefusedByGo} of them refused by Go too), ${refused} refused`;
    t.diagnostic(summary);
    assert.deepEqual(disagreements.slice(0, 5), []);
    assert.ok(accepted.length - bothRefusedByGo >= BODIES / 5, summary);
    assert.ok(refused >= BODIES / 5, summary);
  });

  it("has the engine's structs, maps and scalar types", async () => {
    const answers = await runLineTool(
      binary,
      KINDS.map((kind) => JSON.stringify({ shape: kind })),
    );
    const mismatches = KINDS.flatMap((kind, i) =>
      compare(ENGINE_BODIES[kind].schema, (JSON.parse(answers[i]!) as { value: GoShape }).value, `${kind}: `),
    );
    assert.deepEqual(mismatches, []);
  });
});

interface GoShape {
  readonly k: string;
  readonly fields?: Readonly<Record<string, GoShape>>;
  readonly items?: GoShape;
  readonly type?: string;
}

// A schema kind → the Go kinds that decode the same JSON. `custom` types have their own UnmarshalJSON:
// strslice.StrSlice (Cmd, Entrypoint, CapAdd...) also takes a string, which the schema refuses (safe).
// Integer widths and signs may differ from the specification's formats: Go then refuses what the schema
// lets through, for the original body and the canonical one alike.
const COMPATIBLE: Record<Schema['kind'], readonly string[]> = {
  object: ['struct'],
  map: ['map'],
  array: ['slice', 'array', 'custom'],
  string: ['string', 'bytes'],
  boolean: ['bool'],
  integer: ['int', 'uint'],
  number: ['float'],
  any: [],
};

function compare(schema: Schema, go: GoShape, path: string): string[] {
  if (schema.kind === 'any') return [];
  if (!COMPATIBLE[schema.kind].includes(go.k))
    return [`${path}: ${schema.kind} here, ${go.type ?? go.k} in Go`];
  if (schema.kind === 'map') return compare(schema.values, go.items!, `${path}*.`);
  if (schema.kind === 'array') return go.k === 'custom' ? [] : compare(schema.items, go.items!, `${path}[].`);
  if (schema.kind !== 'object') return [];
  const goFields = new Map(Object.entries(go.fields ?? {}).map(([name, shape]) => [foldKey(name), shape]));
  // A field only one of them has is fine: Go ignores what it lacks, the schema refuses what it lacks.
  return Object.entries(schema.fields).flatMap(([name, sub]) => {
    const shape = goFields.get(foldKey(name));
    return shape ? compare(sub, shape, `${path}${name}.`) : [];
  });
}
