/**
 * The flat list of configuration keys, derived from the schema (via its JSON Schema), with the type used to
 * coerce environment strings and the STEVEDORE_* variable that sets each.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export type KeyType = 'string' | 'number' | 'boolean' | 'array';

export interface ConfigKey {
  /** Dotted path, e.g. `registry.listen`. */
  readonly path: string;
  readonly type: KeyType;
  readonly env: string;
  readonly description: string;
  readonly default: unknown;
  readonly allowed?: readonly unknown[];
}

interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
}

function envNameOf(path: string): string {
  return (
    'STEVEDORE_' +
    path
      .split('.')
      .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
      .join('_')
  );
}

function typeOf(node: JsonSchemaNode): KeyType {
  const t = Array.isArray(node.type) ? node.type[0] : node.type;
  if (t === 'integer' || t === 'number') return 'number';
  if (t === 'boolean') return 'boolean';
  if (t === 'array') return 'array';
  return 'string';
}

function walk(node: JsonSchemaNode, prefix: string, out: ConfigKey[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (child.properties) {
      walk(child, path, out);
      continue;
    }
    const allowed = child.enum ?? (child.const === undefined ? undefined : [child.const]);
    out.push({
      path,
      type: typeOf(child),
      env: envNameOf(path),
      description: child.description ?? '',
      default: child.default,
      ...(allowed ? { allowed } : {}),
    });
  }
}

function computeKeys(): readonly ConfigKey[] {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const out: ConfigKey[] = [];
  walk(json, '', out);
  return out;
}

export const CONFIG_KEYS: readonly ConfigKey[] = computeKeys();
