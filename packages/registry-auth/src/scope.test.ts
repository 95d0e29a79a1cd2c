import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInvalidArgument } from '@stevedore/errors';
import { MAX_SCOPES, formatScope, parseScopes } from './scope.js';

describe('scopes', () => {
  const good: [string, string[], string[]][] = [
    ['one repository scope', ['repository:lib/app:pull'], ['repository:lib/app:pull']],
    ['actions in canonical order', ['repository:app:push,pull'], ['repository:app:pull,push']],
    [
      'several in one value',
      ['repository:a:pull repository:b:push'],
      ['repository:a:pull', 'repository:b:push'],
    ],
    ['repeated scopes merge', ['repository:a:pull', 'repository:a:push,pull'], ['repository:a:pull,push']],
    ['a class is kept', ['repository(plugin):vieux/sshfs:pull'], ['repository(plugin):vieux/sshfs:pull']],
    ['the catalog', ['registry:catalog:*'], ['registry:catalog:*']],
    ['wildcard and delete', ['repository:x/y-z__w:delete,*'], ['repository:x/y-z__w:delete,*']],
    ['empty values ask for nothing', ['', ' '], []],
  ];
  for (const [name, values, expected] of good) {
    it(`parses ${name}`, () => assert.deepEqual(parseScopes(values).map(formatScope), expected));
  }

  const bad: [string, string, RegExp][] = [
    ['no actions', 'repository:app', /needs a resource type, a name and actions/],
    ['an empty action', 'repository:app:pull,', /action is empty/],
    ['an unknown action', 'repository:app:pull,steal', /unknown action "steal"/],
    ['an unknown type', 'namespace:lib:pull', /unknown resource type "namespace"/],
    ['an upper-case name', 'repository:Lib/App:pull', /not a repository name/],
    ['a name with a port', 'repository:host:5000/app:pull', /not a repository name/],
    ['another registry resource', 'registry:everything:*', /unknown registry resource/],
    ['catalog with pull', 'registry:catalog:pull', /only action on registry:catalog is \*/],
    ['a bad type', 'Repo sitory:a:pull', /resource type/],
  ];
  for (const [name, scope, message] of bad) {
    it(`refuses ${name}, naming the scope and the expected form`, () =>
      assert.throws(
        () => parseScopes([scope]),
        (err) =>
          isInvalidArgument(err) &&
          message.test((err as Error).message) &&
          (err as Error).message.includes('expected repository:<name>:<actions>'),
      ));
  }

  it('refuses too many scopes and over-long ones', () => {
    const many = Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `repository:r${i}:pull`);
    assert.throws(() => parseScopes([many.join(' ')]), /too many scopes/);
    assert.throws(() => parseScopes(many), /too many scopes/);
    assert.equal(parseScopes(many.slice(0, MAX_SCOPES)).length, MAX_SCOPES);
    assert.throws(() => parseScopes([`repository:${'a'.repeat(600)}:pull`]), /longer than 512/);
  });
});
