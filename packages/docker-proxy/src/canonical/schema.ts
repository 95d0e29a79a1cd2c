/**
 * The shape of a request body as the engine's Go types see it, built by engine-schemas.generated.ts from
 * the Engine API specifications. Each node says how Go's encoding/json reads that part of the body:
 *
 * - `object`: a Go struct. Keys match fields exactly, else by Go's case folding; `fields` holds the
 *   canonical names, `exact` / `folded` are the lookup tables built once here.
 * - `map`: a Go map. Keys are data, matched exactly; every value has the `values` shape.
 * - `array`, `string`, `boolean`: as JSON.
 * - `integer`: a Go int kind. Only integer literals within [min, max] decode (Go refuses `1.5`, `1e3`,
 *   and out-of-range values); the range comes from the specification's `format`.
 * - `number`: a Go float. Any finite number.
 * - `any`: free-form; copied as it came.
 *
 * Invariant: no two fields of an object fold to the same key (`obj` throws), so a key names at most one
 * field, and exact-then-fold matching equals Go's.
 */
import { foldKey } from './fold.js';

export interface ObjectSchema {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, Schema>>;
  /** Canonical name → shape, for the exact match. */
  readonly exact: ReadonlyMap<string, readonly [string, Schema]>;
  /** foldKey(name) → [canonical name, shape], for Go's fallback match. */
  readonly folded: ReadonlyMap<string, readonly [string, Schema]>;
}

export interface IntegerSchema {
  readonly kind: 'integer';
  readonly format: string;
  readonly min: bigint;
  readonly max: bigint;
  /** Every safe JavaScript integer is in range (int64, or unformatted), so numbers need no range check. */
  readonly holdsSafeIntegers: boolean;
}

export type Schema =
  | ObjectSchema
  | { readonly kind: 'map'; readonly values: Schema }
  | { readonly kind: 'array'; readonly items: Schema }
  | IntegerSchema
  | { readonly kind: 'string' | 'boolean' | 'number' | 'any' };

export interface BodySchema {
  /** The endpoints that take this body: `POST /services/create` (method and path template). */
  readonly endpoints: readonly string[];
  readonly schema: Schema;
}

export function obj(fields: Record<string, Schema>): ObjectSchema {
  const exact = new Map<string, readonly [string, Schema]>();
  const folded = new Map<string, readonly [string, Schema]>();
  for (const [name, schema] of Object.entries(fields)) {
    const key = foldKey(name);
    const other = folded.get(key);
    if (other) throw new Error(`schema fields ${other[0]} and ${name} fold to the same key`);
    exact.set(name, [name, schema]);
    folded.set(key, [name, schema]);
  }
  return { kind: 'object', fields, exact, folded };
}

export const map = (values: Schema): Schema => ({ kind: 'map', values });
export const arr = (items: Schema): Schema => ({ kind: 'array', items });
export const str: Schema = { kind: 'string' };
export const bool: Schema = { kind: 'boolean' };
export const num: Schema = { kind: 'number' };
export const any: Schema = { kind: 'any' };

function integer(format: string, bits: number, signed: boolean): IntegerSchema {
  const min = signed ? -(2n ** BigInt(bits - 1)) : 0n;
  const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
  const holdsSafeIntegers = min <= -(2n ** 53n) && max >= 2n ** 53n;
  return { kind: 'integer', format, min, max, holdsSafeIntegers };
}

export const int64 = integer('int64', 64, true);
export const int32 = integer('int32', 32, true);
export const uint64 = integer('uint64', 64, false);
export const uint32 = integer('uint32', 32, false);
export const uint16 = integer('uint16', 16, false);
/** No format in the specification: Go's type may be int64 or uint64, so either range decodes. */
export const integerAny: IntegerSchema = {
  ...integer('int64', 64, true),
  format: 'integer',
  max: 2n ** 64n - 1n,
};

export const body = (endpoints: readonly string[], schema: Schema): BodySchema => ({ endpoints, schema });
