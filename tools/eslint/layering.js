// ESLint rule `stevedore/layering`: the architecture as a lint rule (vscode's code-layering idea).
//
// Reads the workspace layout from the file system:
//   apps/<name>/       composition roots; may import any package
//   packages/<name>/   libraries; may never import an app
// A package whose package.json says `"stevedore": { "runtime": "universal" }` runs in browsers too and may
// not import Node built-ins (`node:*`, `fs`, ...). Nothing may reach into another workspace by a relative
// path: cross-workspace imports go through the package name (`@stevedore/<name>`), so each package's public
// surface stays its `exports`.
import { builtinModules } from 'node:module';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const builtins = new Set(builtinModules);

/** name (e.g. "@stevedore/store") -> { kind: 'app'|'package', dir, runtime } */
function readWorkspaces() {
  const map = new Map();
  for (const kind of ['apps', 'packages']) {
    const base = join(root, kind);
    if (!existsSync(base)) continue;
    for (const dirName of readdirSync(base)) {
      const manifest = join(base, dirName, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      map.set(pkg.name, {
        kind: kind === 'apps' ? 'app' : 'package',
        dir: join(base, dirName),
        runtime: pkg.stevedore?.runtime ?? 'node',
      });
    }
  }
  return map;
}

let cache;
function workspaces() {
  cache ??= readWorkspaces();
  return cache;
}

function workspaceOfFile(file) {
  for (const [name, ws] of workspaces()) {
    if (file === ws.dir || file.startsWith(ws.dir + sep)) return { name, ...ws };
  }
  return undefined;
}

function workspaceOfSpecifier(spec) {
  for (const [name, ws] of workspaces()) {
    if (spec === name || spec.startsWith(name + '/')) return { name, ...ws };
  }
  return undefined;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Keep apps -> packages layering, and Node built-ins out of universal packages.' },
    schema: [],
    messages: {
      appImport:
        "Package '{{from}}' imports app '{{to}}': dependencies point from apps to packages, never back.",
      nodeInUniversal:
        "'{{from}}' is a universal package (runs in browsers too) and may not import the Node built-in '{{spec}}'. Move this code to a node package.",
      crossRelative:
        "'{{spec}}' reaches into another workspace by a relative path; import it by its package name instead.",
    },
  },
  create(context) {
    const filename = resolve(context.filename ?? context.getFilename());
    const self = workspaceOfFile(filename);
    if (!self) return {};
    // Tests and benchmarks of a universal package run under Node, so they may use Node's built-ins.
    const isNodeOnlyFile =
      /\.test\.[cm]?[jt]sx?$/.test(filename) ||
      /(^|[\\/])(test|bench)[\\/]/.test(relative(self.dir, filename));

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(filename), spec);
        if (
          !(target === self.dir || target.startsWith(self.dir + sep)) &&
          relative(root, target).split(sep)[0] !== '..'
        ) {
          const other = workspaceOfFile(target);
          if (other) context.report({ node, messageId: 'crossRelative', data: { spec } });
        }
        return;
      }
      if (
        self.runtime === 'universal' &&
        !isNodeOnlyFile &&
        (spec.startsWith('node:') || builtins.has(spec.split('/')[0]))
      ) {
        context.report({ node, messageId: 'nodeInUniversal', data: { from: self.name, spec } });
        return;
      }
      const target = workspaceOfSpecifier(spec);
      if (self.kind === 'package' && target?.kind === 'app') {
        context.report({ node, messageId: 'appImport', data: { from: self.name, to: target.name } });
      }
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      CallExpression: (node) => {
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'require' &&
          node.arguments[0]?.type === 'Literal'
        ) {
          check(node.arguments[0], node.arguments[0].value);
        }
      },
    };
  },
};
