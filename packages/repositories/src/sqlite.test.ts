// Runs the shared cases against the SQLite Store, one temp file per case.
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '@stevedore/store';
import { runRepositoryCases } from './repositories.case.js';

const dir = mkdtempSync(join(tmpdir(), 'stevedore-repositories-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
runRepositoryCases('the sqlite store', () =>
  Promise.resolve(openSqliteStore({ path: join(dir, `store-${++n}.db`) })),
);
