import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { DOCS_FILE, withFieldPolicy } from './policy-doc.js';

describe('docs/rbac.md', () => {
  it('states the per-field policy exactly as the code has it (npm run docs:field-policy)', async () => {
    const doc = await readFile(DOCS_FILE, 'utf8');
    assert.equal(doc, await withFieldPolicy(doc));
  });
});
