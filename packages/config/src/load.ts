/**
 * Builds the effective configuration from its layers and validates it once. A wrong value is refused with
 * an InvalidArgumentError whose message names the key, where the value came from, and what is allowed.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { InvalidArgumentError } from '@stevedore/errors';
import { type Config, configSchema } from './schema.js';
import { CONFIG_KEYS, type ConfigKey } from './keys.js';

/** STEVEDORE_* variables that are not configuration keys (secrets and tooling) and so are not refused. */
const NON_CONFIG_ENV = new Set(['STEVEDORE_CONFIG', 'STEVEDORE_ADMIN_PASSWORD']);
const NON_CONFIG_ENV_PREFIXES = ['STEVEDORE_TEST_', 'STEVEDORE_BENCH_'];

export type Tree = { [key: string]: unknown };

export interface LoadOptions {
  /** YAML file to read; absent means none (defaults, env and flags only). */
  readonly file?: string;
  /** Environment to overlay; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags, as dotted paths (`registry.listen`) with a label for messages. */
  readonly flags?: readonly { readonly path: string; readonly value: unknown; readonly flag: string }[];
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]!] = value;
}

function coerce(key: ConfigKey, raw: string): unknown {
  switch (key.type) {
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'array':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return raw;
  }
}

async function readFileLayer(file: string): Promise<Tree> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read config file ${file}: ${(err as Error).message}`, {
      detail: { file },
    });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new InvalidArgumentError(`config file ${file} is not valid YAML: ${(err as Error).message}`, {
      detail: { file },
    });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`config file ${file} must hold a YAML mapping (key: value lines)`, {
      detail: { file },
    });
  }
  return parsed as Tree;
}

export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const tree: Tree = {};
  const source = new Map<string, string>();
  if (options.file !== undefined) {
    Object.assign(tree, await readFileLayer(options.file));
  }

  const env = options.env ?? process.env;
  // The schema version is a property of the file, not something to set from the environment.
  const byEnv = new Map(CONFIG_KEYS.filter((k) => k.path !== 'version').map((k) => [k.env, k]));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('STEVEDORE_') || raw === undefined) continue;
    const key = byEnv.get(name);
    if (!key) {
      if (NON_CONFIG_ENV.has(name) || NON_CONFIG_ENV_PREFIXES.some((p) => name.startsWith(p))) continue;
      throw new InvalidArgumentError(
        `unknown environment variable ${name}. Configuration variables are: ${[...byEnv.keys()].join(', ')}`,
        { detail: { env: name } },
      );
    }
    setPath(tree, key.path, coerce(key, raw));
    source.set(key.path, `environment variable ${name}`);
  }

  for (const { path, value, flag } of options.flags ?? []) {
    if (value === undefined) continue;
    setPath(tree, path, value);
    source.set(path, `flag ${flag}`);
  }

  const result = configSchema.safeParse(tree);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const from =
      source.get(path) ?? (options.file !== undefined ? `config file ${options.file}` : 'defaults');
    const key = CONFIG_KEYS.find((k) => k.path === path);
    const allowed = key?.allowed ? ` Allowed: ${key.allowed.map((a) => JSON.stringify(a)).join(', ')}.` : '';
    const message = /[.!?]$/.test(issue.message) ? issue.message : `${issue.message}.`;
    return { path: path || '(top level)', from, message: `${message}${allowed}` };
  });
  const text = problems.map((p) => `${p.path} (from ${p.from}): ${p.message}`).join('; ');
  throw new InvalidArgumentError(`invalid configuration: ${text}`, {
    detail: { problems: problems.map((p) => ({ key: p.path, from: p.from, message: p.message })) },
  });
}
