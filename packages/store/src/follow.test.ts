import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from './memory-store.js';
import { openSqliteStore } from './sqlite-store.js';
import { runFollowCases } from './follow.case.js';

runFollowCases('memory', { open: () => Promise.resolve(createMemoryStore()) });

const dir = mkdtempSync(join(tmpdir(), 'stevedore-follow-test-'));
let n = 0;
runFollowCases('sqlite', {
  open: () => Promise.resolve(openSqliteStore({ path: join(dir, `store-${++n}.db`) })),
});
after(() => rmSync(dir, { recursive: true, force: true }));
