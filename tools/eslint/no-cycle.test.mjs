// The repository's lint config fails on an import cycle (`import-x/no-cycle`), tested on a tiny workspace
// written to a temporary directory: `.js` specifiers that resolve to `.ts` sources, and two workspace packages
// linked into node_modules whose package.json `exports` point at `./src/index.ts`, as in this repo.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));

const files = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      types: [],
    },
    include: ['**/*.ts'],
  }),
  // a.ts -> b.ts -> a.ts
  'cycle/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
  'cycle/b.ts': "import { a } from './a.js';\nexport const b = (): number => (a.length > 0 ? 1 : 0);\n",
  // @fx/left -> @fx/right -> @fx/left, through the packages' names
  'packages/left/package.json': JSON.stringify({
    name: '@fx/left',
    type: 'module',
    exports: { '.': './src/index.ts' },
  }),
  'packages/left/src/index.ts':
    "import { right } from '@fx/right';\nexport const left = (): string => right();\n",
  'packages/right/package.json': JSON.stringify({
    name: '@fx/right',
    type: 'module',
    exports: { '.': './src/index.ts' },
  }),
  'packages/right/src/index.ts':
    "import { left } from '@fx/left';\nexport const right = (): string => typeof left;\n",
  // a.ts -> b.ts -> c.ts: no way back
  'chain/a.ts': "import { b } from './b.js';\nexport const a = (): number => b();\n",
  'chain/b.ts': "import { c } from './c.js';\nexport const b = (): number => c;\n",
  'chain/c.ts': 'export const c = 1;\n',
  // b.ts's way back to a.ts is `import type`, erased at run time
  'types/a.ts':
    "import { b } from './b.js';\nexport type A = { n: number };\nexport const a = (): A => ({ n: b });\n",
  'types/b.ts':
    "import type { A } from './a.js';\nexport const b = 1;\nexport const isA = (x: A): boolean => x.n === b;\n",
  // `import { type A }` still loads the module under verbatimModuleSyntax, yet import-x counts it as type-only:
  // no-import-type-side-effects has it written `import type`
  'inline/a.ts':
    "import { b } from './b.js';\nexport type A = { n: number };\nexport const a = (): A => ({ n: b });\n",
  'inline/b.ts':
    "import { type A } from './a.js';\nexport const b = 1;\nexport const isA = (x: A): boolean => x.n === b;\n",
};

let dir;
let other; // relative path -> the ids of the other rules reported
let results; // relative path -> no-cycle messages

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stevedore-no-cycle-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(join(dir, 'node_modules/@fx'), { recursive: true });
  symlinkSync('../../packages/left', join(dir, 'node_modules/@fx/left'));
  symlinkSync('../../packages/right', join(dir, 'node_modules/@fx/right'));

  const eslint = new ESLint({ cwd: dir, overrideConfigFile: join(root, 'eslint.config.js') });
  const linted = await eslint.lintFiles(Object.keys(files).filter((f) => f.endsWith('.ts')));
  results = new Map();
  other = new Map();
  for (const r of linted) {
    const fatal = r.messages.filter((m) => m.fatal);
    assert.deepEqual(fatal, [], `${r.filePath} did not parse`);
    results.set(
      relative(dir, r.filePath),
      r.messages.filter((m) => m.ruleId === 'import-x/no-cycle'),
    );
    other.set(
      relative(dir, r.filePath),
      r.messages.filter((m) => m.ruleId !== 'import-x/no-cycle').map((m) => m.ruleId),
    );
  }
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('import-x/no-cycle in eslint.config.js', () => {
  it('fails on a cycle between two modules, through .js specifiers of .ts files', () => {
    assert.equal(results.get('cycle/a.ts')?.length, 1);
    assert.equal(results.get('cycle/a.ts')[0].severity, 2);
    assert.equal(results.get('cycle/a.ts')[0].line, 1);
    assert.equal(results.get('cycle/b.ts')?.length, 1);
  });

  it('fails on a cycle between two workspace packages, through their package names', () => {
    assert.equal(results.get('packages/left/src/index.ts')?.length, 1);
    assert.equal(results.get('packages/left/src/index.ts')[0].severity, 2);
    assert.equal(results.get('packages/right/src/index.ts')?.length, 1);
  });

  it('passes imports without a cycle', () => {
    for (const f of ['chain/a.ts', 'chain/b.ts', 'chain/c.ts']) assert.deepEqual(results.get(f), [], f);
  });

  it('does not count an `import type` edge', () => {
    for (const f of ['types/a.ts', 'types/b.ts']) assert.deepEqual(results.get(f), [], f);
  });

  it('has `import { type A }` alone written `import type`, so every type-only edge is erased', () => {
    assert.deepEqual(other.get('inline/b.ts'), ['@typescript-eslint/no-import-type-side-effects']);
    assert.deepEqual(other.get('types/b.ts'), []);
  });
});
