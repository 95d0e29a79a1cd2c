/**
 * Deny by default, checked: every field of every body the canonical decoder accepts (the union of Engine
 * API v1.41 and latest, canonical/engine-schemas.generated.ts) has a decision in the policy table — known
 * safe, administrator-only, or a named rule — and the table names no field the engine does not have.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_BODIES, type Schema } from '../canonical/index.js';
import { BODY_POLICIES, describePolicy, type FieldPolicy } from './index.js';
import { RULE_DOCS } from './rule-docs.js';

/** Fields of `schema` with no decision in `policy`, and policy fields the schema lacks. */
function gaps(schema: Schema, policy: FieldPolicy, path: string, out: string[]): string[] {
  if (policy.kind === 'safe' || policy.kind === 'admin' || policy.kind === 'rule') return out;
  if (policy.kind === 'items') {
    if (schema.kind !== 'array') out.push(`${path}: the policy expects a list`);
    else gaps(schema.items, policy.item, `${path}[]`, out);
  } else if (policy.kind === 'values') {
    if (schema.kind !== 'map') out.push(`${path}: the policy expects a map`);
    else gaps(schema.values, policy.value, `${path}.*`, out);
  } else if (schema.kind !== 'object') {
    out.push(`${path}: the policy expects an object`);
  } else {
    for (const [name, child] of Object.entries(schema.fields)) {
      const sub = policy.fields[name];
      if (sub) gaps(child, sub, path ? `${path}.${name}` : name, out);
      else out.push(`${path ? `${path}.` : ''}${name}: no decision`);
    }
    for (const name of Object.keys(policy.fields))
      if (!(name in schema.fields)) out.push(`${path ? `${path}.` : ''}${name}: not a field of the engine`);
  }
  return out;
}

describe('the per-field policy covers the Engine API', () => {
  it('explains every rule it names', () => {
    const named = new Set(
      Object.values(BODY_POLICIES)
        .flatMap((p) => describePolicy(p))
        .map((r) => /^rule: (.+)$/.exec(r.decision)?.[1])
        .filter((n): n is string => n !== undefined),
    );
    assert.deepEqual(
      [...named].filter((n) => !(n in RULE_DOCS)),
      [],
    );
  });

  for (const [kind, policy] of Object.entries(BODY_POLICIES)) {
    it(`decides every field of ${kind}`, () => {
      const body = ENGINE_BODIES[kind as keyof typeof ENGINE_BODIES];
      assert.ok(body, `${kind} is a body the decoder knows`);
      assert.deepEqual(gaps(body.schema, policy, '', []), []);
    });
  }
});
