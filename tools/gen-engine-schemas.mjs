#!/usr/bin/env node
// Writes packages/docker-proxy/src/canonical/engine-schemas.generated.ts from the Engine API specifications
// (v1.41 and latest; the union: a field of either version is known): the shape of every request body the
// proxy decodes, and the query parameters each endpoint documents. The specifications live outside the
// repository (../shared/specs, /work/shared/specs, or STEVEDORE_SPECS), so the generated file is checked in;
// engine-schemas.test.ts regenerates it in memory and fails when it differs.
// Usage: node tools/gen-engine-schemas.mjs        (npm run gen:engine-schemas)
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
export const OUTPUT = `${root}packages/docker-proxy/src/canonical/engine-schemas.generated.ts`;
const VERSIONS = ['v1.41.yaml', 'latest.yaml'];

/**
 * The bodies the proxy decodes: kind → the endpoints that take it (method and path template as in
 * packages/docker-proxy/src/operations/operation-map.ts). Endpoints of one kind must have one shape.
 */
const BODIES = [
  ['container.create', 'POST /containers/create'],
  ['container.update', 'POST /containers/{id}/update'],
  ['commit', 'POST /commit'],
  ['exec.create', 'POST /containers/{id}/exec'],
  ['exec.start', 'POST /exec/{id}/start'],
  ['service.spec', 'POST /services/create', 'POST /services/{id}/update'],
  ['network.create', 'POST /networks/create'],
  ['network.connect', 'POST /networks/{id}/connect'],
  ['network.disconnect', 'POST /networks/{id}/disconnect'],
  ['volume.create', 'POST /volumes/create'],
  ['secret.spec', 'POST /secrets/create', 'POST /secrets/{id}/update'],
  ['config.spec', 'POST /configs/create', 'POST /configs/{id}/update'],
  ['node.spec', 'POST /nodes/{id}/update'],
  ['swarm.init', 'POST /swarm/init'],
  ['swarm.join', 'POST /swarm/join'],
  ['swarm.spec', 'POST /swarm/update'],
  ['swarm.unlock', 'POST /swarm/unlock'],
  ['plugin.set', 'POST /plugins/{name}/set'],
];
// Fields the docker CLI sends that neither specification documents, all present in the engine's Go types
// (checked by differential.int.test.ts against moby 20.10's): without them every `docker exec` and `docker swarm
// init/join` would be refused as carrying an unknown field.
const UNDOCUMENTED_FIELDS = {
  'exec.create': { Detach: { k: 'boolean' } }, // types.ExecConfig.Detach
  'swarm.init': { AutoLockManagers: { k: 'boolean' }, Availability: { k: 'string' } }, // swarm.InitRequest
  'swarm.join': { Availability: { k: 'string' } }, // swarm.JoinRequest
};
const INTEGER_FORMATS = new Set(['int64', 'int32', 'uint64', 'uint32', 'uint16']);
// Parameters the engine reads with r.Form[name], every value, which the specification documents as single
// (moby 20.10 api/server/router: commit's `changes`, build's `extrahosts`); the docker CLI repeats them.
const READ_REPEATED = { 'POST /commit': ['changes'], 'POST /build': ['extrahosts'] };
// A query parameter documented as repeatable: `type: array`, or said so in words (build's `t`).
const REPEATABLE = /several `\w+` parameters|multiple times|may be repeated|multiple values are accepted/i;

export function findSpecDir() {
  const dirs = [process.env.STEVEDORE_SPECS, `${root}../shared/specs`, '/work/shared/specs'].filter(Boolean);
  return dirs.find((d) => existsSync(`${d}/docker-engine-api`));
}

/** One specification's schema → a node: {k: object|map|array|string|boolean|number|integer|any, ...}. */
function expand(spec, schema, path, name, stack = []) {
  if (schema.$ref) {
    const def = schema.$ref.replace('#/definitions/', '');
    if (!spec.definitions[def]) throw new Error(`${path}: unknown $ref ${schema.$ref}`);
    if (stack.includes(def)) throw new Error(`${path}: recursive definition ${def}`);
    return expand(spec, spec.definitions[def], path, def, [...stack, def]);
  }
  if (schema.allOf) {
    const parts = schema.allOf.map((s, i) => expand(spec, s, `${path}&${i}`, undefined, stack));
    const useful = parts.filter((p) => p.k !== 'object' || p.name || p.props.size > 0);
    if (useful.length === 1) return name ? { ...useful[0], name } : useful[0];
    if (parts.some((p) => p.k !== 'object')) throw new Error(`${path}: allOf of a non-object`);
    const node = { k: 'object', name, props: new Map(), own: new Map(), bases: [] };
    for (const p of parts) {
      if (p.name) node.bases.push(p);
      for (const [key, value] of p.props) {
        if (node.props.has(key)) throw new Error(`${path}: allOf sets ${key} twice`);
        node.props.set(key, value);
        if (!p.name) node.own.set(key, value);
      }
    }
    return node;
  }
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const addl = schema.additionalProperties;
      if (schema.properties && addl) throw new Error(`${path}: both properties and additionalProperties`);
      if (addl && typeof addl === 'object' && Object.keys(addl).length > 0)
        return { k: 'map', name, values: expand(spec, addl, `${path}.*`, undefined, stack) };
      if (addl) return { k: 'map', name, values: { k: 'any' } };
      const props = new Map();
      for (const [key, value] of Object.entries(schema.properties ?? {}))
        props.set(key, expand(spec, value, `${path}.${key}`, undefined, stack));
      return { k: 'object', name, props, own: props, bases: [] };
    }
    case 'array':
      return {
        k: 'array',
        name,
        items: schema.items ? expand(spec, schema.items, `${path}[]`, undefined, stack) : { k: 'any' },
      };
    case 'integer':
      if (schema.format && !INTEGER_FORMATS.has(schema.format))
        throw new Error(`${path}: format ${schema.format}`);
      return { k: 'integer', format: schema.format };
    case 'string':
    case 'boolean':
    case 'number':
      return { k: type };
    case undefined:
      return { k: 'any' };
    default:
      throw new Error(`${path}: type ${type}`);
  }
}

/** The union of one body's shapes in two versions: a field known to either is known. */
function merge(a, b, path) {
  if (!a || !b) return a ?? b;
  if (a.k !== b.k) throw new Error(`${path}: ${a.k} in one version, ${b.k} in the other`);
  const name = b.name ?? a.name;
  if (a.k === 'map') return { k: 'map', name, values: merge(a.values, b.values, `${path}.*`) };
  if (a.k === 'array') return { k: 'array', name, items: merge(a.items, b.items, `${path}[]`) };
  if (a.k === 'integer') return { k: 'integer', format: a.format === b.format ? a.format : undefined };
  if (a.k !== 'object') return a;
  const union = (x, y) => {
    const out = new Map(x);
    for (const [key, value] of y) out.set(key, merge(x.get(key), value, `${path}.${key}`));
    return out;
  };
  const bases = [...a.bases];
  for (const base of b.bases) {
    const i = bases.findIndex((x) => x.name === base.name);
    if (i < 0) bases.push(base);
    else bases[i] = merge(bases[i], base, path);
  }
  return { k: 'object', name, props: union(a.props, b.props), own: union(a.own, b.own), bases };
}

/** TypeScript source for the nodes, sharing each named definition as one `const`. */
function emitter() {
  const consts = new Map(); // name → { key, code }
  const helpers = new Set(['body']); // the schema.ts helpers the source uses, for its import line
  const use = (helper) => (helpers.add(helper), helper);
  const key = (n) => JSON.stringify(n, (_, v) => (v instanceof Map ? [...v] : v));
  const prop = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
  function code(n) {
    if (n.name && (n.k === 'object' || n.k === 'map' || n.k === 'array')) return named(n);
    return inline(n);
  }
  function named(n) {
    let name = n.name;
    for (let i = 2; consts.has(name) && consts.get(name).key !== key(n); i++) name = `${n.name}${i}`;
    if (!consts.has(name)) {
      consts.set(name, { key: key(n), code: undefined });
      consts.get(name).code = inline(n); // children first: dependencies precede their users in the map
      const entry = consts.get(name);
      consts.delete(name);
      consts.set(name, entry);
    }
    return name;
  }
  function inline(n) {
    switch (n.k) {
      case 'object': {
        const bases = n.bases.map((b) => `...${code(b)}.fields`);
        const own = [...n.own].map(([k, v]) => {
          const c = code(v);
          return c === k ? k : `${prop(k)}: ${c}`;
        });
        return `${use('obj')}({ ${[...bases, ...own].join(', ')} })`;
      }
      case 'map':
        return `${use('map')}(${code(n.values)})`;
      case 'array':
        return `${use('arr')}(${code(n.items)})`;
      case 'integer':
        return use(n.format ?? 'integerAny');
      default:
        return use({ string: 'str', boolean: 'bool', number: 'num', any: 'any' }[n.k]);
    }
  }
  return { code, consts, helpers };
}

export async function generateEngineSchemas(specDir = findSpecDir()) {
  if (!specDir) throw new Error('the Engine API specifications are not found: set STEVEDORE_SPECS');
  const specs = await Promise.all(
    VERSIONS.map(async (f) =>
      parse(await readFile(`${specDir}/docker-engine-api/${f}`, 'utf8'), { maxAliasCount: -1 }),
    ),
  );
  const { code, consts, helpers } = emitter();
  const bodies = BODIES.map(([kind, ...endpoints]) => {
    const shapes = endpoints.map((endpoint) => {
      const [method, path] = endpoint.split(' ');
      const nodes = specs.map((spec) => {
        const params = spec.paths[path]?.[method.toLowerCase()]?.parameters ?? [];
        const param = params.find((p) => p.in === 'body');
        return param && expand(spec, param.schema, endpoint, undefined);
      });
      if (!nodes[0] && !nodes[1]) throw new Error(`${endpoint} has no body in the specifications`);
      const node = nodes.reduce((a, b) => merge(a, b, endpoint));
      for (const [field, shape] of Object.entries(UNDOCUMENTED_FIELDS[kind] ?? {})) {
        if (node.props.has(field))
          throw new Error(`${kind}.${field} is documented now: drop it from UNDOCUMENTED_FIELDS`);
        node.props.set(field, shape);
        node.own.set(field, shape);
      }
      return code(node);
    });
    if (new Set(shapes).size > 1)
      throw new Error(`${endpoints.join(', ')} differ in shape: give them two kinds`);
    return `${JSON.stringify(kind)}: body(${JSON.stringify(endpoints)}, ${shapes[0]}),`;
  });

  const query = new Map(); // "METHOD /path" → Map(name → repeatable)
  for (const spec of specs)
    for (const [path, item] of Object.entries(spec.paths))
      for (const [method, op] of Object.entries(item)) {
        const params = (op.parameters ?? []).filter((p) => p.in === 'query');
        if (params.length === 0) continue;
        const endpoint = `${method.toUpperCase()} ${path}`;
        if (!query.has(endpoint)) query.set(endpoint, new Map());
        for (const p of params) {
          const repeatable =
            p.type === 'array' ||
            REPEATABLE.test(p.description ?? '') ||
            Boolean(READ_REPEATED[endpoint]?.includes(p.name));
          query.get(endpoint).set(p.name, Boolean(query.get(endpoint).get(p.name)) || repeatable);
        }
      }
  const queryLines = [...query].map(
    ([endpoint, params]) =>
      `${JSON.stringify(endpoint)}: ${JSON.stringify([...params].map(([n, r]) => (r ? `${n}[]` : n)).join(' '))},`,
  );

  const source = `// Generated by tools/gen-engine-schemas.mjs from the Engine API specifications (v1.41 and latest, their
// union). Do not edit: run \`npm run gen:engine-schemas\`. engine-schemas.test.ts checks it is up to date.
import { ${[...helpers].sort().join(', ')} } from './schema.js';

${[...consts].map(([name, c]) => `const ${name} = ${c.code};`).join('\n')}

/** Every request body the proxy decodes: kind → endpoint and shape. */
export const ENGINE_BODIES = {
${bodies.join('\n')}
} as const;

/**
 * The query parameters each endpoint documents ("METHOD /path template" → names; \`name[]\` may be repeated).
 * An endpoint that is not listed documents none.
 */
export const ENGINE_QUERY_PARAMETERS: Readonly<Record<string, string>> = {
${queryLines.join('\n')}
};
`;
  const options = (await prettier.resolveConfig(OUTPUT)) ?? {};
  return prettier.format(source, { ...options, filepath: OUTPUT });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(OUTPUT, await generateEngineSchemas());
  console.log(`wrote ${OUTPUT.slice(root.length)}`);
}
