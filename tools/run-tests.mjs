#!/usr/bin/env node
// Runs every *.test.ts (and tooling's *.test.mjs) under apps/, packages/ and tools/ with Node's built-in test runner (through tsx), so the
// closing summary is the runner's own. Node 20's --test takes no globs, so we find the files here.
// Usage: node tools/run-tests.mjs [path-substring ...]   (filters test files, e.g. `store` or `sqlite`)
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

const filters = process.argv.slice(2);
const files = ['packages', 'apps', 'tools']
  .flatMap((d) => find(join(root, d), []))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Files run one at a time by default: several start real daemons (dockerd, etcd) and the machines have 2 cores.
const concurrency = process.env.STEVEDORE_TEST_CONCURRENCY ?? '1';
const args = [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec',
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
