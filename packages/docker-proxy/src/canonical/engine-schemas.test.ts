/**
 * The checked-in engine-schemas.generated.ts against the specifications it comes from: regenerated in
 * memory (tools/gen-engine-schemas.mjs), it must be identical, so the schemas cannot drift from the specs.
 * The specifications live beside the repository (../shared/specs), not in it; STEVEDORE_SPECS overrides.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ENGINE_ENDPOINTS } from '../operations/index.js';
import { ENGINE_BODIES, ENGINE_QUERY_PARAMETERS } from './engine-schemas.generated.js';

const SPEC_DIRS = [
  process.env['STEVEDORE_SPECS'],
  fileURLToPath(new URL('../../../../../shared/specs', import.meta.url)),
  '/work/shared/specs',
].filter((d): d is string => Boolean(d));
const SPECS = SPEC_DIRS.find((d) => existsSync(`${d}/docker-engine-api`));
const GENERATOR = new URL('../../../../tools/gen-engine-schemas.mjs', import.meta.url);
const GENERATED = new URL('./engine-schemas.generated.ts', import.meta.url);

interface Generator {
  generateEngineSchemas(specDir: string): Promise<string>;
}

describe('engine schemas', () => {
  it(
    'are what the specifications generate',
    { skip: !SPECS && 'the specifications are not here' },
    async () => {
      const generator = (await import(GENERATOR.href)) as Generator;
      const expected = await generator.generateEngineSchemas(SPECS!);
      assert.ok(expected === (await readFile(GENERATED, 'utf8')), 'stale: run `npm run gen:engine-schemas`');
    },
  );

  it('name endpoints of the operation map', () => {
    const known = new Set(ENGINE_ENDPOINTS.map((e) => `${e.method} ${e.path}`));
    const endpoints = [
      ...Object.values(ENGINE_BODIES).flatMap((b) => b.endpoints),
      ...Object.keys(ENGINE_QUERY_PARAMETERS),
    ];
    assert.deepEqual(
      endpoints.filter((e) => !known.has(e)),
      [],
    );
  });
});
