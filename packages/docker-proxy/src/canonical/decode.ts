/**
 * The canonical decoder: reads a request body the way the engine's Go types read it, into the proxy's own
 * structure with the schema's canonical field names. The proxy checks that structure and forwards only its
 * serialization (serialize.ts), never the client's bytes, so what was checked is what the engine decodes.
 *
 * Invariants (differential.int.test.ts holds them against Go's encoding/json):
 * - A key matches a field exactly, else by Go's folding (fold.ts). Two keys reaching one field, a key twice
 *   in one object (maps included), or, for unknown keys, two that fold together, are refused as ambiguous.
 * - A key matching no field is refused unless `allowUnknown` (administrators); then it is copied as-is.
 * - A value of a type Go would refuse for its field is refused (a float literal or an out-of-range value
 *   for an int, a string for a bool, ...). `null` is accepted anywhere, as Go accepts it (and leaves the
 *   field alone), and kept.
 */
import { ENGINE_BODIES } from './engine-schemas.generated.js';
import { foldKey } from './fold.js';
import { decodeInteger, decodeNumber, describe, Refused, wrongType } from './decode-scalars.js';
import { type JsonValue, JsonParseError, parseJson } from './json-parse.js';
import { literalOf, recordLiteral } from './number-literals.js';
import * as refuse from './refuse.js';
import type { ObjectSchema, Schema } from './schema.js';

export type BodyKind = keyof typeof ENGINE_BODIES;

export interface DecodeOptions {
  /** Copy keys that match no known field as-is (administrators) instead of refusing them. */
  readonly allowUnknown: boolean;
}

type JsonObject = { [key: string]: JsonValue };
type Holder = JsonObject | unknown[];

interface Context {
  readonly endpoint: string;
  readonly allowUnknown: boolean;
  /** The text of the number just decoded, when it must be written back as it came (number-literals.ts). */
  literal: string | undefined;
}

/**
 * Kinds whose engine handler takes an empty body (moby's postCommit: "Do not fail if body is empty"): the
 * docker CLI 28 sends none for `docker commit`, 20.10 sends `null`. Both decode to null, forwarded as `null`.
 */
const EMPTY_IS_NULL: ReadonlySet<BodyKind> = new Set(['commit']);

export function decodeBody(kind: BodyKind, bytes: Buffer, options: DecodeOptions): unknown {
  const { endpoints, schema } = ENGINE_BODIES[kind];
  const ctx: Context = {
    endpoint: endpoints.join(' and '),
    allowUnknown: options.allowUnknown,
    literal: undefined,
  };
  if (isBlank(bytes)) {
    if (EMPTY_IS_NULL.has(kind)) return null;
    throw refuse.emptyBody(ctx.endpoint);
  }
  let parsed: JsonValue;
  try {
    parsed = parseJson(bytes);
  } catch (e) {
    if (!(e instanceof JsonParseError)) throw e;
    if (e.duplicate !== undefined) throw refuse.duplicateKey(e.path, e.duplicate);
    throw refuse.invalidJson(e.reason, e.offset);
  }
  try {
    return decode(parsed, schema, undefined, '', ctx);
  } catch (e) {
    if (e instanceof Refused) throw e.make(e.path);
    throw e;
  }
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

function decode(
  v: JsonValue,
  schema: Schema,
  from: Holder | undefined,
  key: string | number,
  ctx: Context,
): unknown {
  if (v === null) return null;
  switch (schema.kind) {
    case 'object':
      return decodeObject(asObject(v), schema, ctx);
    case 'map': {
      const input = asObject(v);
      for (const k of Object.keys(input)) child(input, k, input, k, schema.values, ctx);
      return input;
    }
    case 'array': {
      if (!Array.isArray(v)) throw wrongType('an array', describe(v));
      for (let i = 0; i < v.length; i++) child(v, i, v, i, schema.items, ctx);
      return v;
    }
    case 'string':
    case 'boolean':
      if (typeof v !== schema.kind) throw wrongType(`a ${schema.kind}`, describe(v));
      return v;
    case 'integer':
      return decodeInteger(v, schema, from, key);
    case 'number': {
      const [n, text] = decodeNumber(v, from, key);
      ctx.literal = text;
      return n;
    }
    case 'any':
      if (typeof v === 'number' && from) ctx.literal = literalOf(from, key, v);
      return v;
  }
}

/**
 * A struct. When every key is a canonical name (what the docker CLI sends) the parsed object is checked in
 * place; otherwise a new one is built under the canonical names.
 */
function decodeObject(input: JsonObject, schema: ObjectSchema, ctx: Context): JsonObject {
  const keys = Object.keys(input);
  if (keys.every((k) => schema.exact.has(k))) {
    for (const k of keys) child(input, k, input, k, schema.exact.get(k)![1], ctx);
    return input;
  }
  const out: JsonObject = {};
  let unknownFolds: Map<string, string> | undefined;
  for (const k of keys) {
    const field = fieldOf(schema, k);
    if (field) {
      const name = field[0];
      if (out[name] !== undefined && Object.hasOwn(out, name)) {
        const first = Object.keys(input).find((x) => x !== k && fieldOf(schema, x)?.[0] === name) ?? name;
        throw new Refused((p) => refuse.ambiguousFields(p, first, k, name));
      }
      child(out, name, input, k, field[1], ctx);
      continue;
    }
    if (!ctx.allowUnknown) throw new Refused((p) => refuse.unknownField([...p, k], ctx.endpoint));
    // Go may know a field the specification lacks: two keys folding together could both reach it.
    const folded = foldKey(k);
    const other = (unknownFolds ??= new Map<string, string>()).get(folded);
    if (other !== undefined) throw new Refused((p) => refuse.ambiguousUnknown(p, other, k));
    unknownFolds.set(folded, k);
    child(out, k, input, k, ANY, ctx);
  }
  return out;
}

const ANY: Schema = { kind: 'any' };
const fieldOf = (schema: ObjectSchema, key: string) =>
  schema.exact.get(key) ?? schema.folded.get(foldKey(key));

/**
 * Decodes `from[key]` into `out[outKey]` (the same slot when checking in place): a refusal below gets `key`
 * (as the client wrote it) on its path, a `__proto__` key stays an own property, a number keeps its literal.
 */
function child(
  out: Holder,
  outKey: string | number,
  from: Holder,
  key: string | number,
  schema: Schema,
  ctx: Context,
) {
  ctx.literal = undefined;
  const input = (from as Record<string | number, JsonValue>)[key]!;
  let value: unknown;
  try {
    value = decode(input, schema, from, key, ctx);
  } catch (e) {
    if (e instanceof Refused) e.path.unshift(key);
    throw e;
  }
  if (out === from && outKey === key && value === input) {
    // checked in place: the parsed value and its literal record stay
  } else if (outKey === '__proto__')
    Object.defineProperty(out, outKey, { value, enumerable: true, writable: true, configurable: true });
  else (out as Record<string | number, unknown>)[outKey] = value;
  if (ctx.literal !== undefined) recordLiteral(out, outKey, ctx.literal);
  ctx.literal = undefined;
}

function asObject(v: JsonValue): JsonObject {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v;
  throw wrongType('an object', describe(v));
}
