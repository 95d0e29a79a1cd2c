// The layering rule, tested on the real workspace layout: the lint step of `npm test` fails on each of these.
import { after, describe, it } from 'node:test';
import { RuleTester } from 'eslint';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import layering from './layering.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;
RuleTester.afterAll = after;

const root = fileURLToPath(new URL('../..', import.meta.url));
const inErrors = join(root, 'packages/errors/src/example.ts'); // universal package
const inConfig = join(root, 'packages/config/src/example.ts'); // node package
const inCli = join(root, 'apps/cli/src/example.ts'); // app

new RuleTester({ languageOptions: { ecmaVersion: 2023, sourceType: 'module' } }).run(
  'stevedore/layering',
  layering,
  {
    valid: [
      { filename: inCli, code: "import { loadConfig } from '@stevedore/config';" },
      { filename: inCli, code: "import { readFile } from 'node:fs/promises';" },
      { filename: inConfig, code: "import { readFile } from 'node:fs/promises';" },
      { filename: inConfig, code: "import { InvalidArgumentError } from '@stevedore/errors';" },
      { filename: inErrors, code: "import { x } from './classes.js';" },
      { filename: join(root, 'packages/errors/src/errors.test.ts'), code: "import { it } from 'node:test';" },
    ],
    invalid: [
      {
        filename: inConfig,
        code: "import { buildProgram } from '@stevedore/cli';",
        errors: [{ messageId: 'appImport' }],
      },
      {
        filename: inConfig,
        code: "const m = await import('@stevedore/cli');",
        errors: [{ messageId: 'appImport' }],
      },
      {
        filename: inErrors,
        code: "import { readFile } from 'node:fs';",
        errors: [{ messageId: 'nodeInUniversal' }],
      },
      { filename: inErrors, code: "import path from 'path';", errors: [{ messageId: 'nodeInUniversal' }] },
      {
        filename: inErrors,
        code: "export * from 'node:crypto';",
        errors: [{ messageId: 'nodeInUniversal' }],
      },
      {
        filename: inConfig,
        code: "import { x } from '../../store/src/contract.js';",
        errors: [{ messageId: 'crossRelative' }],
      },
      {
        filename: inConfig,
        code: "import { program } from '../../../apps/cli/src/program.js';",
        errors: [{ messageId: 'crossRelative' }],
      },
    ],
  },
);
