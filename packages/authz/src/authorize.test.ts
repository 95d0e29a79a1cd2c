import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isFailedPrecondition, isInvalidArgument, isNotFound } from '@stevedore/errors';
import {
  AccessModel,
  ALL_OPERATIONS,
  authorize,
  BUILTIN_ROLES,
  ESCAPE_OPERATIONS,
  privateCollectionOf,
  validateCollectionPath,
  type Decision,
} from './index.js';

/**
 * The cluster of the table below:
 *   admin (admin); alice: Full Control on /Shared/dev; bob: View Only on /Shared/dev, Restricted Control on
 *   his private collection; carol: member of team acme/ops, which has Restricted Control on /Shared/prod;
 *   dave: member of org acme, which has View Only on /Shared; erin: inactive, Full Control on /.
 */
function cluster(): AccessModel {
  const m = new AccessModel();
  for (const name of ['admin', 'alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
    m.putUser({ name, admin: name === 'admin', active: name !== 'erin' });
  }
  m.addCollection('/Shared/dev');
  m.addCollection('/Shared/dev/web');
  m.addCollection('/Shared/prod');
  m.addCollection(privateCollectionOf('bob'));
  m.addOrg('acme');
  m.addTeam('acme', 'ops');
  m.addTeamMember('acme', 'ops', 'carol');
  m.addOrgMember('acme', 'dave');
  m.addGrant({
    id: 'g1',
    subject: { kind: 'user', id: 'alice' },
    roleId: 'full-control',
    collection: '/Shared/dev',
  });
  m.addGrant({
    id: 'g2',
    subject: { kind: 'user', id: 'bob' },
    roleId: 'view-only',
    collection: '/Shared/dev',
  });
  m.addGrant({
    id: 'g3',
    subject: { kind: 'user', id: 'bob' },
    roleId: 'restricted-control',
    collection: privateCollectionOf('bob'),
  });
  m.addGrant({
    id: 'g4',
    subject: { kind: 'team', id: 'acme/ops' },
    roleId: 'restricted-control',
    collection: '/Shared/prod',
  });
  m.addGrant({ id: 'g5', subject: { kind: 'org', id: 'acme' }, roleId: 'view-only', collection: '/Shared' });
  m.addGrant({ id: 'g6', subject: { kind: 'user', id: 'erin' }, roleId: 'full-control', collection: '/' });
  return m;
}

const table: [user: string, operation: string, collection: string, allowed: boolean, reason: string][] = [
  ['admin', 'node.remove', '/System', true, 'admin'],
  ['admin', 'container.exec', '/Shared/dev', true, 'admin'],
  ['alice', 'container.exec', '/Shared/dev', true, 'grant'],
  ['alice', 'service.create', '/Shared/dev/web', true, 'grant'], // inherited by the child collection
  ['alice', 'service.view', '/Shared/prod', false, 'no-grant'], // a sibling is not a descendant
  ['alice', 'service.view', '/Shared', false, 'no-grant'], // nor is the parent
  ['bob', 'service.view', '/Shared/dev', true, 'grant'],
  ['bob', 'service.create', '/Shared/dev', false, 'no-grant'],
  ['bob', 'container.logs', '/Shared/dev', false, 'no-grant'], // View Only does not read logs
  ['bob', 'container.create', privateCollectionOf('bob'), true, 'grant'],
  ['bob', 'container.exec', privateCollectionOf('bob'), false, 'no-grant'], // Restricted Control: no exec
  ['bob', 'container.bind_mount', privateCollectionOf('bob'), false, 'no-grant'],
  ['bob', 'container.privileged', privateCollectionOf('bob'), false, 'no-grant'],
  ['carol', 'service.update', '/Shared/prod', true, 'grant'], // through her team
  ['carol', 'service.view', '/Shared/dev', true, 'grant'], // through her team's org, on /Shared
  ['carol', 'node.remove', '/Shared/prod', false, 'no-grant'],
  ['dave', 'network.view', '/Shared/dev/web', true, 'grant'], // org grant, two levels up
  ['dave', 'network.create', '/Shared/dev/web', false, 'no-grant'],
  ['erin', 'service.view', '/Shared', false, 'inactive'],
  ['frank', 'service.view', '/Shared', false, 'no-grant'],
  ['mallory', 'service.view', '/Shared', false, 'unknown-user'],
  ['alice', 'container.teleport', '/Shared/dev', false, 'unknown-operation'],
  ['admin', 'container.teleport', '/Shared/dev', false, 'unknown-operation'],
  ['alice', 'service.view', '/Shared/nowhere', false, 'unknown-collection'],
];

describe('authorize', () => {
  let model: AccessModel;
  beforeEach(() => {
    model = cluster();
  });

  for (const [user, operation, collection, allowed, reason] of table) {
    it(`${user} ${allowed ? 'may' : 'may not'} ${operation} on ${collection} (${reason})`, () => {
      const d = authorize(model, { user, operation, collection });
      assert.equal(d.allowed, allowed, d.explanation);
      assert.equal(d.reason, reason, d.explanation);
      assert.ok(d.explanation.length > 0);
    });
  }

  it('names the grant that allowed a decision', () => {
    const d = authorize(model, { user: 'carol', operation: 'service.update', collection: '/Shared/prod' });
    assert.equal(d.allowed && d.reason === 'grant' && d.grant.id, 'g4');
    assert.match(d.explanation, /Restricted Control on \/Shared\/prod for team acme\/ops/);
  });

  it('explains a refusal with the grants that applied but fell short', () => {
    const d: Decision = authorize(model, {
      user: 'bob',
      operation: 'service.create',
      collection: '/Shared/dev',
    });
    assert.equal(d.allowed, false);
    assert.deepEqual(!d.allowed && d.applicable.map((g) => g.id), ['g2']);
    assert.match(d.explanation, /View Only on \/Shared\/dev for user bob/);
  });

  it('stops counting a team grant the moment the member is removed', () => {
    const op = { user: 'carol', operation: 'service.update', collection: '/Shared/prod' };
    assert.equal(authorize(model, op).allowed, true);
    model.removeTeamMember('acme', 'ops', 'carol');
    assert.equal(authorize(model, op).allowed, false);
  });

  it('stops counting a grant the moment it is removed', () => {
    const op = { user: 'alice', operation: 'container.exec', collection: '/Shared/dev/web' };
    assert.equal(authorize(model, op).allowed, true);
    model.removeGrant('g1');
    assert.equal(authorize(model, op).allowed, false);
  });

  it('drops org-derived rights when the user leaves the org, and team rights with it', () => {
    model.removeOrgMember('acme', 'carol');
    assert.equal(
      authorize(model, { user: 'carol', operation: 'service.view', collection: '/Shared/dev' }).allowed,
      false,
    );
    assert.equal(
      authorize(model, { user: 'carol', operation: 'service.update', collection: '/Shared/prod' }).allowed,
      false,
    );
  });

  it('deactivating a user, even an admin, takes every right away', () => {
    model.putUser({ name: 'admin', admin: true, active: false });
    assert.equal(
      authorize(model, { user: 'admin', operation: 'service.view', collection: '/' }).reason,
      'inactive',
    );
  });

  it('applies custom roles, and refuses to delete one in use', () => {
    model.putRole({
      id: 'deployer',
      name: 'Deployer',
      operations: ['service.view', 'service.update', 'task.view'],
    });
    model.addGrant({
      id: 'g7',
      subject: { kind: 'user', id: 'frank' },
      roleId: 'deployer',
      collection: '/Shared/prod',
    });
    assert.equal(
      authorize(model, { user: 'frank', operation: 'service.update', collection: '/Shared/prod' }).allowed,
      true,
    );
    assert.equal(
      authorize(model, { user: 'frank', operation: 'service.remove', collection: '/Shared/prod' }).allowed,
      false,
    );
    assert.throws(() => model.removeRole('deployer'), isFailedPrecondition);
    model.removeGrant('g7');
    model.removeRole('deployer');
    assert.equal(model.roles.has('deployer'), false);
  });

  it('refuses custom roles with unknown operations, and changes to built-in roles', () => {
    assert.throws(
      () => model.putRole({ id: 'x', name: 'X', operations: ['service.view', 'service.fly'] }),
      isInvalidArgument,
    );
    assert.throws(
      () => model.putRole({ id: 'full-control', name: 'Mine', operations: [] }),
      isFailedPrecondition,
    );
    assert.throws(() => model.removeRole('view-only'), isFailedPrecondition);
  });

  it('refuses grants on things that do not exist', () => {
    const base = { id: 'gx', roleId: 'view-only', collection: '/Shared' };
    assert.throws(() => model.addGrant({ ...base, subject: { kind: 'user', id: 'nobody' } }), isNotFound);
    assert.throws(() => model.addGrant({ ...base, subject: { kind: 'team', id: 'acme/none' } }), isNotFound);
    assert.throws(
      () => model.addGrant({ ...base, subject: { kind: 'user', id: 'bob' }, roleId: 'root' }),
      isNotFound,
    );
    assert.throws(
      () => model.addGrant({ ...base, subject: { kind: 'user', id: 'bob' }, collection: '/Nope' }),
      isNotFound,
    );
  });

  it('keeps the collection tree whole', () => {
    assert.throws(() => model.addCollection('/Shared/a/b'), isFailedPrecondition); // parent missing
    assert.throws(() => model.removeCollection('/Shared/dev'), isFailedPrecondition); // has a child
    assert.throws(() => model.removeCollection('/Shared'), isFailedPrecondition); // built in
    model.removeCollection('/Shared/dev/web');
    assert.throws(() => model.removeCollection('/Shared/dev'), isFailedPrecondition); // has grants
  });

  it('validates collection paths', () => {
    for (const bad of [
      '',
      'Shared',
      '/Shared/',
      '/a/../b',
      '/a//b',
      '/a b',
      `/${'x'.repeat(65)}`,
      '/1/2/3/4/5/6/7/8/9',
    ]) {
      assert.throws(() => validateCollectionPath(bad), isInvalidArgument, bad);
    }
    assert.equal(validateCollectionPath('/Shared/team-a_1.x'), '/Shared/team-a_1.x');
  });
});

describe('built-in roles', () => {
  const ops = (id: string) => BUILTIN_ROLES.find((r) => r.id === id)!.operations;

  it('orders by power: None < View Only < Restricted Control < Full Control', () => {
    assert.equal(ops('none').size, 0);
    for (const op of ops('view-only')) assert.ok(ops('restricted-control').has(op), op);
    for (const op of ops('restricted-control')) assert.ok(ops('full-control').has(op), op);
    assert.equal(ops('full-control').size, ALL_OPERATIONS.length);
  });

  it('View Only sees every resource type and changes nothing', () => {
    for (const op of ops('view-only')) assert.match(op, /\.view$/);
    assert.equal(ops('view-only').size, 9);
  });

  it('Restricted Control can never reach outside a container or change nodes', () => {
    for (const op of ESCAPE_OPERATIONS) assert.equal(ops('restricted-control').has(op), false, op);
    assert.equal(ops('restricted-control').has('node.update'), false);
    assert.equal(ops('restricted-control').has('container.create'), true);
    assert.equal(ops('restricted-control').has('service.update'), true);
  });

  it('Scheduler sees nodes and schedules on them, nothing else', () => {
    assert.deepEqual([...ops('scheduler')].sort(), ['node.schedule', 'node.view']);
  });
});

describe('docs/rbac.md', () => {
  it('lists every operation with exactly the built-in roles that hold it', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../docs/rbac.md', import.meta.url), 'utf8');
    for (const op of ALL_OPERATIONS) {
      const row = doc.split('\n').find((line) => new RegExp(`^\\|\\s*\`${op}\`\\s*\\|`).test(line));
      assert.ok(row, `docs/rbac.md has no row for ${op}`);
      const cells = row
        .split('|')
        .slice(2, -1)
        .map((c) => c.trim());
      assert.deepEqual(
        cells,
        BUILTIN_ROLES.map((r) => (r.operations.has(op) ? 'yes' : '-')),
        `docs/rbac.md is out of date for ${op}`,
      );
    }
  });
});
