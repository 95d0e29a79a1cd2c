import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EngineRefusal } from '../refusals.js';
import { canonicalQuery } from './query.js';

const member = { allowUnknown: false };
const admin = { allowUnknown: true };

function refusal(method: string, path: string, url: string, options = member): string {
  try {
    canonicalQuery(method, path, url, options);
  } catch (e) {
    assert.ok(e instanceof EngineRefusal);
    assert.equal(e.status, 400);
    return e.message;
  }
  assert.fail(`accepted ${url}`);
}

describe('canonical query', () => {
  it('rebuilds the query the engine will read, pair by pair', () => {
    const url = '/v1.41/containers/json?all=1&&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D&size=+x+';
    const query = canonicalQuery('GET', '/containers/json', url, member);
    assert.equal(query, 'all=1&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D&size=%20x%20');
    assert.deepEqual(
      [...new URLSearchParams(query)],
      [
        ['all', '1'],
        ['filters', '{"label":["a=b"]}'],
        ['size', ' x '],
      ],
    );
    assert.equal(canonicalQuery('GET', '/containers/json', '/containers/json', member), '');
    assert.equal(canonicalQuery('GET', '/containers/json', '/containers/json?all', member), 'all=');
  });

  it('refuses a pair with a semicolon, which Go refuses', () => {
    assert.match(refusal('GET', '/containers/json', '/containers/json?all=1;filters=x'), /holds ";"/);
    assert.equal(
      canonicalQuery('GET', '/containers/json', '/containers/json?filters=a%3Bb', member),
      'filters=a%3Bb',
    );
  });

  it('refuses a repeated parameter the endpoint takes once, passes the repeatable ones', () => {
    assert.equal(
      refusal('GET', '/containers/json', '/containers/json?all=0&all=1'),
      'the query is ambiguous: "all" is given more than once, and GET /containers/json takes one: send it once',
    );
    assert.equal(
      canonicalQuery('POST', '/build', '/build?t=a&t=b&extrahosts=x&extrahosts=y', member),
      't=a&t=b&extrahosts=x&extrahosts=y',
    );
    assert.equal(
      canonicalQuery('GET', '/images/get', '/images/get?names=a&names=b', member),
      'names=a&names=b',
    );
    assert.equal(
      canonicalQuery('POST', '/commit', '/commit?changes=ENV+A%3D1&changes=CMD+ls', member),
      'changes=ENV%20A%3D1&changes=CMD%20ls',
    );
  });

  it('refuses unknown parameters for members, passes them for administrators', () => {
    assert.equal(
      refusal('GET', '/containers/json', '/containers/json?All=1'),
      '"All" is not a query parameter Stevedore knows for GET /containers/json, so it is refused: remove it, or ask an administrator',
    );
    assert.match(
      refusal('POST', '/containers/{id}/start', '/containers/x/start?x=1'),
      /"x" is not a query parameter/,
    );
    assert.equal(
      canonicalQuery('GET', '/containers/json', '/containers/json?All=1&All=2', admin),
      'All=1&All=2',
    );
  });

  it('compares parameter names after unescaping, as Go does', () => {
    assert.equal(
      refusal('GET', '/containers/json', '/containers/json?all=1&%61ll=0').includes('"all"'),
      true,
    );
  });

  it('refuses what would not reach the engine as the proxy read it', () => {
    assert.match(refusal('GET', '/containers/json', '/containers/json?all=%zz'), /invalid % escape/);
    assert.match(refusal('GET', '/containers/json', '/containers/json?all=%'), /invalid % escape/);
    assert.match(refusal('GET', '/containers/json', '/containers/json?all=%ff'), /does not decode to UTF-8/);
    assert.match(
      refusal('GET', '/containers/json', '/containers/json?all=\u00e9'),
      /must be percent-encoded/,
    );
    assert.match(refusal('GET', '/containers/json', '/containers/json?all=a b'), /must be percent-encoded/);
    assert.equal(
      canonicalQuery('GET', '/containers/json', '/containers/json?filters=%C3%A9', member),
      'filters=%C3%A9',
    );
  });
});
