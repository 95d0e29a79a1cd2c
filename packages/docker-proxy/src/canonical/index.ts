/**
 * The canonical decoder: request bodies and queries read the way the engine reads them, so the proxy
 * checks the engine's view and forwards only its own re-serialization (see decode.ts for the invariants).
 */
export { type BodyKind, type DecodeOptions, decodeBody } from './decode.js';
// serializeBody: the name the planner (plan.ts, plan-writes.ts) imports.
export { serialize, serialize as serializeBody } from './serialize.js';
export { canonicalQuery } from './query.js';
export { foldKey, matchesField } from './fold.js';
export { type JsonPath, type JsonValue, JsonParseError, parseJson } from './json-parse.js';
export { isIntegerLiteral } from './number-literals.js';
export { ENGINE_BODIES, ENGINE_QUERY_PARAMETERS } from './engine-schemas.generated.js';
export type { BodySchema, Schema } from './schema.js';
