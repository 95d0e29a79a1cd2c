/**
 * The operation map against the Engine API's own specifications: every endpoint of v1.41 and of the
 * latest API must have a rule, and a made-up endpoint must have none.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ENGINE_ENDPOINTS } from './operation-map.js';
import { isEnginePath, matchEndpoint } from './match.js';

// The specifications live beside the repository (../shared/specs), not in it; STEVEDORE_SPECS overrides.
const SPEC_DIRS = [
  process.env['STEVEDORE_SPECS'],
  fileURLToPath(new URL('../../../../../shared/specs', import.meta.url)),
  '/work/shared/specs',
].filter((d): d is string => Boolean(d));
const SPECS = `${SPEC_DIRS.find((d) => existsSync(`${d}/docker-engine-api`)) ?? SPEC_DIRS[0]}/docker-engine-api/`;
const METHODS = ['get', 'head', 'post', 'put', 'delete', 'patch'];

async function endpointsOf(file: string): Promise<{ method: string; path: string }[]> {
  const doc = parse(await readFile(`${SPECS}${file}`, 'utf8'), { maxAliasCount: -1 }) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((m) => ({ method: m.toUpperCase(), path })),
  );
}

/** A concrete URL for a template: image-like names with slashes and a tag, plain ids elsewhere. */
function sample(path: string): string {
  return path
    .replace('{name}', path.startsWith('/volumes') ? 'data' : 'registry.example:5000/team/app:1.0')
    .replace('{id}', 'a1b2c3');
}

for (const file of ['v1.41.yaml', 'latest.yaml']) {
  describe(`operation map covers the Engine API (${file})`, () => {
    it('maps every endpoint of the specification to its own rule', async () => {
      const endpoints = await endpointsOf(file);
      assert.ok(endpoints.length > 100, `read ${endpoints.length} endpoints`);
      const unmapped = endpoints.filter(({ method, path }) => {
        const m = matchEndpoint(method, `/v1.41${sample(path)}`);
        return m?.endpoint.path !== path || m.endpoint.method !== method;
      });
      assert.deepEqual(unmapped, [], 'endpoints without a rule (or matched to the wrong rule)');
    });
  });
}

describe('operation map', () => {
  it('has no endpoint twice', () => {
    const keys = ENGINE_ENDPOINTS.map((e) => `${e.method} ${e.path}`);
    assert.equal(new Set(keys).size, keys.length);
  });

  it('refuses what it does not know', () => {
    assert.equal(matchEndpoint('GET', '/v1.41/containers/abc/secrets'), undefined);
    assert.equal(matchEndpoint('PATCH', '/v1.41/containers/abc'), undefined);
    assert.equal(matchEndpoint('GET', '/v1.41/grpc'), undefined);
    assert.equal(matchEndpoint('GET', '/v1.41/containers/%E0%A4%A/json'), undefined);
  });

  it('reads the version and the resource', () => {
    const m = matchEndpoint('POST', '/v1.41/images/127.0.0.1:5000/team/app:1.0/push?tag=1.0');
    assert.equal(m?.version, '1.41');
    assert.equal(m?.param, '127.0.0.1:5000/team/app:1.0');
    assert.deepEqual(m?.endpoint.rule, { kind: 'image', operation: 'image.push' });
    assert.equal(matchEndpoint('GET', '/containers/json')?.endpoint.rule.kind, 'list');
    assert.equal(matchEndpoint('GET', '/v1.41/containers/json')?.param, undefined);
  });

  it("tells the Engine API's paths from Stevedore's", () => {
    for (const p of ['/_ping', '/v1.41/info', '/containers/json', '/auth', '/v1.24/anything'])
      assert.ok(isEnginePath(p), p);
    for (const p of ['/auth/login', '/api/v1/users', '/ca', '/', '/api/clientbundle'])
      assert.ok(!isEnginePath(p), p);
  });
});
