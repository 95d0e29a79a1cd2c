// ESLint flat config: type-aware rules for promises, and the architecture's rules: layering, no import cycles.
import { join } from 'node:path';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import layering from './tools/eslint/layering.js';

const root = import.meta.dirname;

// `import-x/no-cycle` fails on any import cycle. It follows imports as TypeScript resolves them: `.js`
// specifiers to the `.ts`/`.tsx` sources, and workspace packages through their package.json `exports` to
// `packages/<name>/src/index.ts` (the node_modules symlink resolved to the real path, so a cycle through
// another workspace counts too). Each file resolves with the tsconfig that includes it; the dashboard's has
// its own. Files under node_modules are not followed: no path leads from them back into the workspace.
// `import type` edges are erased at run time and are not part of a cycle. import-x also skips
// `import { type A } from`, which verbatimModuleSyntax keeps as `import {} from` (the module still loads), so
// no-import-type-side-effects makes such an import `import type`.
const importCycles = {
  'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs', '.cjs'],
  'import-x/ignore': ['[\\\\/]node_modules[\\\\/]'],
  'import-x/resolver-next': [
    createTypeScriptImportResolver({
      project: [join(root, 'tsconfig.json'), join(root, 'apps/dashboard/src/tsconfig.json')],
      noWarnOnMultipleProjects: true,
    }),
  ],
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'test-artifacts/**', 'bench-results/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    plugins: { stevedore: { rules: { layering } }, 'import-x': importX },
    settings: importCycles,
    rules: {
      'stevedore/layering': 'error',
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'stevedore/layering': 'error' },
  },
  {
    // Tests may use the non-null assertion and unbound methods of node:test's mocks freely.
    files: ['**/*.test.ts', '**/*.test.tsx'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
