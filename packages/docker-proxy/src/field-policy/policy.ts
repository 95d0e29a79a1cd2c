/**
 * Per-field policy, deny by default. Every field of every body the proxy forwards (container, service,
 * network, volume, secret, config, node, exec) has an entry: known safe, administrator-only, or checked
 * by a named rule that says what the value asks for. A field with no entry is administrator-only, so a
 * field the engine learns in a new API version is closed until someone decides about it.
 *
 * The walker runs over canonical bodies (canonical/: keys are the engine's own field names, decoded the way
 * the engine decodes), so a field is found under exactly one name. It only *collects* needs; the planner
 * decides them (operations against the caller's grants, references against visibility, admin-only
 * fields against the caller being an administrator).
 */
import type { Operation } from '@stevedore/authz';

export type RefType = 'network' | 'volume' | 'secret' | 'config' | 'container';

export type Need =
  /** The caller must hold `operation` on the workload's collection. */
  | { readonly kind: 'operation'; readonly operation: Operation; readonly rule: string }
  /** Only an administrator may ask for this. */
  | { readonly kind: 'admin'; readonly rule: string }
  /** Another resource the workload uses: it must be visible and usable by the caller. */
  | { readonly kind: 'ref'; readonly type: RefType; readonly ref: string }
  /** An image the workload runs: a local one must be visible to the caller. */
  | { readonly kind: 'image'; readonly ref: string };

export type Check = (value: unknown, path: string) => Need[];

export type FieldPolicy =
  | { readonly kind: 'safe' }
  | { readonly kind: 'admin'; readonly why: string }
  | { readonly kind: 'rule'; readonly name: string; readonly check: Check }
  | { readonly kind: 'fields'; readonly fields: Readonly<Record<string, FieldPolicy>> }
  | { readonly kind: 'items'; readonly item: FieldPolicy }
  | { readonly kind: 'values'; readonly value: FieldPolicy };

export const SAFE: FieldPolicy = { kind: 'safe' };
export const admin = (why: string): FieldPolicy => ({ kind: 'admin', why });
export const rule = (name: string, check: Check): FieldPolicy => ({ kind: 'rule', name, check });
export const fields = (f: Record<string, FieldPolicy>): FieldPolicy => ({ kind: 'fields', fields: f });
export const items = (item: FieldPolicy): FieldPolicy => ({ kind: 'items', item });
export const values = (value: FieldPolicy): FieldPolicy => ({ kind: 'values', value });

/** Go's zero values and empty collections: what the docker CLI sends for everything it does not set. */
export function isUnset(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** Everything `value` asks for under `policy`; `path` names fields in refusals (`HostConfig.Binds`). */
export function needsOf(policy: FieldPolicy, value: unknown, path = ''): Need[] {
  if (value === undefined || value === null) return [];
  switch (policy.kind) {
    case 'safe':
      return [];
    case 'admin':
      return isUnset(value) ? [] : [{ kind: 'admin', rule: `${path || 'the body'} (${policy.why})` }];
    case 'rule':
      return policy.check(value, path);
    case 'items':
      return Array.isArray(value)
        ? value.flatMap((item, i) => needsOf(policy.item, item, `${path}[${i}]`))
        : [{ kind: 'admin', rule: `${path} must be a list` }];
    case 'values':
    case 'fields': {
      if (typeof value !== 'object' || Array.isArray(value))
        return [{ kind: 'admin', rule: `${path} must be an object` }];
      const needs: Need[] = [];
      for (const [key, child] of Object.entries(value)) {
        const sub = policy.kind === 'values' ? policy.value : policy.fields[key];
        if (sub) needs.push(...needsOf(sub, child, join(path, key)));
        else if (!isUnset(child))
          needs.push({ kind: 'admin', rule: `${join(path, key)} (a field Stevedore has no rule for)` });
      }
      return needs;
    }
  }
}

/** Every field path a policy names, with its decision: for docs/rbac.md and the coverage test. */
export function describePolicy(policy: FieldPolicy, path = ''): { path: string; decision: string }[] {
  switch (policy.kind) {
    case 'safe':
      return [{ path, decision: 'safe' }];
    case 'admin':
      return [{ path, decision: `administrators only: ${policy.why}` }];
    case 'rule':
      return [{ path, decision: `rule: ${policy.name}` }];
    case 'items':
      return describePolicy(policy.item, `${path}[]`);
    case 'values':
      return describePolicy(policy.value, `${path}.*`);
    case 'fields':
      return Object.entries(policy.fields).flatMap(([k, p]) => describePolicy(p, join(path, k)));
  }
}
