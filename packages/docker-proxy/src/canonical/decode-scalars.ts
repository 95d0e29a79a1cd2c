/**
 * The decoder's leaves, as Go's encoding/json reads them: which JSON values a Go int or float field takes,
 * and the refusal carried up the tree (`Refused`) until the decoder knows the full path.
 */
import type { EngineRefusal } from '../refusals.js';
import type { JsonPath, JsonValue } from './json-parse.js';
import { literalOf } from './number-literals.js';
import * as refuse from './refuse.js';
import type { IntegerSchema } from './schema.js';

/** A refusal on its way up; each level adds its key, so the happy path builds no paths. */
export class Refused extends Error {
  readonly path: JsonPath = [];
  constructor(readonly make: (path: JsonPath) => EngineRefusal) {
    super('refused (the decoder turns this into an EngineRefusal)');
  }
}

export const wrongType = (expected: string, got: string): Refused =>
  new Refused((p) => refuse.wrongType(p, expected, got));

/**
 * Go's ParseInt/ParseUint on the literal: an integer literal (not `1.0`, not `1e3`), within the field's
 * range; an unsigned field refuses `-0` too (ParseUint takes no sign).
 */
export function decodeInteger(
  v: JsonValue,
  schema: IntegerSchema,
  from: object | undefined,
  key: string | number,
) {
  const integral =
    typeof v === 'bigint' ||
    (typeof v === 'number' && Number.isInteger(v) && !(from && literalOf(from, key, v)));
  if (!integral) throw wrongType(`an integer (${schema.format})`, describe(v, from, key));
  if (typeof v === 'number' && schema.holdsSafeIntegers) return v;
  if (v < schema.min || v > schema.max || (schema.min === 0n && Object.is(v, -0)))
    throw wrongType(`an integer in the ${schema.format} range`, describe(v, from, key));
  return v;
}

/**
 * Go's ParseFloat: any number within range. Answers the value for the policy and the text to forward:
 * the client's own literal (or a bigint's digits), so a float32 field rounds the same decimal Go would.
 */
export function decodeNumber(
  v: JsonValue,
  from: object | undefined,
  key: string | number,
): [number, string?] {
  if (typeof v !== 'number' && typeof v !== 'bigint') throw wrongType('a number', describe(v));
  const text = typeof v === 'bigint' ? v.toString() : from && literalOf(from, key, v);
  const n = Number(v);
  if (!Number.isFinite(n)) throw wrongType('a finite number', text ?? String(v));
  return [n, text];
}

export function describe(v: JsonValue, from?: object, key?: string | number): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'bigint') return `the number ${v}`;
  if (typeof v === 'number') {
    const text = (from && literalOf(from, key ?? '', v)) ?? (Object.is(v, -0) ? '-0' : String(v));
    return `the number ${text}`;
  }
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
