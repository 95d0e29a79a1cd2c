#!/usr/bin/env node
// Runs every *.test.ts (and tooling's *.test.mjs) under apps/, packages/ and tools/ with Node's built-in test runner (through tsx), so the
// closing summary is the runner's own. Node 20's --test takes no globs, so we find the files here.
// Usage: node tools/run-tests.mjs [--unit] [path-substring ...]   (filters test files, e.g. `store` or `sqlite`)
//
// Two tiers. A test file named *.int.test.ts or *.e2e.test.ts (or e2e.test.ts) is an integration test: it
// starts a daemon (dockerd, etcd, the reference registry), a browser, or a Go-built peer. Every other file
// is a unit test: it needs nothing but Node and loopback sockets. `--unit` runs only the unit tier and sets
// STEVEDORE_TEST_TIER=unit, under which the test kit's daemon starters refuse (so a misnamed file fails).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skipDirs = new Set(['node_modules', 'dist', '.git', 'test-artifacts']);

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) find(full, out);
    else if (/\.test\.(tsx?|mjs)$/.test(name)) out.push(relative(root, full));
  }
  return out;
}

const argv = process.argv.slice(2);
const unitOnly = argv.includes('--unit');
const filters = argv.filter((a) => a !== '--unit');
const integration = (f) => /(^|[/.])(int|e2e)\.test\.[cm]?[jt]sx?$/.test(f);
const files = ['packages', 'apps', 'tools']
  .flatMap((d) => find(join(root, d), []))
  .filter((f) => !(unitOnly && integration(f)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Integration files run one at a time (they start real daemons and the machines have 2 cores); unit files
// need nothing shared, so they run side by side.
const concurrency = process.env.STEVEDORE_TEST_CONCURRENCY ?? (unitOnly ? '2' : '1');
const args = [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec',
  ...files,
];
const env = unitOnly ? { ...process.env, STEVEDORE_TEST_TIER: 'unit' } : process.env;
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
