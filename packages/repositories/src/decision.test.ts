// The decision as a table: subject × namespace × repository → actions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { actionsFor, isVisible, type NamespaceInfo, type ResolvedSubject } from './decision.js';
import type { Repository, RepositoryAccess } from './records.js';

const user = (
  name: string,
  extra: {
    admin?: boolean;
    active?: boolean;
    orgAdminOf?: string[];
    teams?: Record<string, string[]>;
  } = {},
): ResolvedSubject => ({
  kind: 'user',
  name,
  admin: extra.admin ?? false,
  active: extra.active ?? true,
  orgAdminOf: new Set(extra.orgAdminOf ?? []),
  teamsByOrg: new Map(Object.entries(extra.teams ?? {}).map(([org, ts]) => [org, new Set(ts)])),
});
const anonymous: ResolvedSubject = { kind: 'anonymous' };
const robot = (
  repositories: { name: string; access: RepositoryAccess }[],
  org = 'acme',
): ResolvedSubject => ({
  kind: 'service-account',
  org,
  name: 'ci',
  repositories,
});

const ns = (
  name: string,
  kind: NamespaceInfo['kind'],
  extra: Partial<Omit<NamespaceInfo, 'name' | 'kind'>> = {},
): NamespaceInfo => ({ name, kind, createOnPush: false, teams: {}, anonymousPull: false, ...extra });
const repo = (
  namespace: string,
  name: string,
  extra: { visibility?: 'public' | 'private'; teams?: Record<string, RepositoryAccess> } = {},
): Repository => ({
  namespace,
  name,
  visibility: extra.visibility ?? 'private',
  description: '',
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'someone',
  teams: extra.teams ?? {},
});

const alice = ns('alice', 'user');
const acme = ns('acme', 'org');
const acmeOpen = ns('acme', 'org', {
  createOnPush: true,
  teams: { ops: 'read-write', viewers: 'read-only' },
});
const privateApp = repo('acme', 'app');
const publicApp = repo('acme', 'app', { visibility: 'public' });
const teamApp = repo('acme', 'app', { teams: { dev: 'read-write', qa: 'read-only', leads: 'admin' } });

// [what, subject, namespace, repository | undefined, expected actions, name for a missing repository]
const table: [string, ResolvedSubject, NamespaceInfo, Repository | undefined, string, string?][] = [
  [
    'admin: everything on any repository',
    user('root', { admin: true }),
    acme,
    privateApp,
    'pull push delete',
  ],
  ['admin: create anywhere', user('root', { admin: true }), acme, undefined, 'pull push delete', 'new'],
  [
    'admin: not in a namespace that does not exist',
    user('root', { admin: true }),
    ns('ghost', 'none'),
    undefined,
    '',
    'x',
  ],
  ['owner: everything in their namespace', user('alice'), alice, repo('alice', 'app'), 'pull push delete'],
  ['owner: create on push in their namespace', user('alice'), alice, undefined, 'pull push delete', 'new'],
  ['other user: nothing on a private repo', user('bob'), alice, repo('alice', 'app'), ''],
  [
    'other user: pull a public repo',
    user('bob'),
    alice,
    repo('alice', 'app', { visibility: 'public' }),
    'pull',
  ],
  ["other user: no create in someone's namespace", user('bob'), alice, undefined, '', 'new'],
  ['deactivated owner: nothing', user('alice', { active: false }), alice, repo('alice', 'app'), ''],
  ['deactivated admin: nothing', user('root', { admin: true, active: false }), acme, privateApp, ''],
  ['org admin: everything', user('olga', { orgAdminOf: ['acme'] }), acme, privateApp, 'pull push delete'],
  ['org admin of another org: nothing', user('olga', { orgAdminOf: ['other'] }), acme, privateApp, ''],
  [
    'org admin: no create-on-push while the org setting is off',
    user('olga', { orgAdminOf: ['acme'] }),
    acme,
    undefined,
    '',
    'new',
  ],
  [
    'org admin: create-on-push with the setting on',
    user('olga', { orgAdminOf: ['acme'] }),
    acmeOpen,
    undefined,
    'pull push delete',
    'new',
  ],
  ['member without team access: nothing', user('mia', { teams: { acme: ['other'] } }), acme, privateApp, ''],
  ['member: public org repo', user('mia'), acme, publicApp, 'pull'],
  ['team read-only: pull', user('quinn', { teams: { acme: ['qa'] } }), acme, teamApp, 'pull'],
  ['team read-write: pull push', user('dana', { teams: { acme: ['dev'] } }), acme, teamApp, 'pull push'],
  ['team admin: all', user('lee', { teams: { acme: ['leads'] } }), acme, teamApp, 'pull push delete'],
  ['two teams: the higher wins', user('max', { teams: { acme: ['qa', 'dev'] } }), acme, teamApp, 'pull push'],
  [
    'a team named like an Object property changes nothing',
    user('max', { teams: { acme: ['constructor', 'dev', 'toString', '__proto__'] } }),
    acme,
    teamApp,
    'pull push',
  ],
  ['same team name in another org: nothing', user('dana', { teams: { other: ['dev'] } }), acme, teamApp, ''],
  [
    'namespace-wide read-write',
    user('otto', { teams: { acme: ['ops'] } }),
    acmeOpen,
    privateApp,
    'pull push',
  ],
  [
    'namespace-wide beats lower repo access',
    user('otto', { teams: { acme: ['ops', 'qa'] } }),
    { ...acmeOpen },
    teamApp,
    'pull push',
  ],
  ['namespace-wide read-only', user('vic', { teams: { acme: ['viewers'] } }), acmeOpen, privateApp, 'pull'],
  [
    'create-on-push: namespace-wide read-write',
    user('otto', { teams: { acme: ['ops'] } }),
    acmeOpen,
    undefined,
    'pull push',
    'new',
  ],
  [
    'create-on-push: read-only is not enough',
    user('vic', { teams: { acme: ['viewers'] } }),
    acmeOpen,
    undefined,
    '',
    'new',
  ],
  [
    'create-on-push: off',
    user('otto', { teams: { acme: ['ops'] } }),
    ns('acme', 'org', { teams: { ops: 'read-write' } }),
    undefined,
    '',
    'new',
  ],
  [
    'create-on-push: repository-level access does not count',
    user('dana', { teams: { acme: ['dev'] } }),
    acmeOpen,
    undefined,
    '',
    'new',
  ],
  ['anonymous: nothing by default, even public', anonymous, acme, publicApp, ''],
  [
    'anonymous: pull public with the cluster setting',
    anonymous,
    { ...acme, anonymousPull: true },
    publicApp,
    'pull',
  ],
  ['anonymous: never private', anonymous, { ...acme, anonymousPull: true }, privateApp, ''],
  ['anonymous: never create', anonymous, { ...acmeOpen, anonymousPull: true }, undefined, '', 'new'],
  [
    'service account: its entry',
    robot([{ name: 'app', access: 'read-write' }]),
    acme,
    privateApp,
    'pull push',
  ],
  ['service account: "*"', robot([{ name: '*', access: 'read-only' }]), acme, privateApp, 'pull'],
  [
    'service account: the higher of "*" and its entry',
    robot([
      { name: '*', access: 'read-only' },
      { name: 'app', access: 'admin' },
    ]),
    acme,
    privateApp,
    'pull push delete',
  ],
  ['service account: another repository', robot([{ name: 'web', access: 'admin' }]), acme, privateApp, ''],
  ['service account: team access does not apply', robot([]), acme, teamApp, ''],
  ['service account: public repo of its org', robot([]), acme, publicApp, 'pull'],
  [
    'service account: not outside its org',
    robot([{ name: '*', access: 'admin' }], 'other'),
    acme,
    publicApp,
    '',
  ],
  [
    'service account: not in a user namespace',
    robot([{ name: '*', access: 'admin' }], 'alice'),
    alice,
    repo('alice', 'app'),
    '',
  ],
  [
    'service account: create-on-push by its entry',
    robot([{ name: 'new', access: 'read-write' }]),
    acmeOpen,
    undefined,
    'pull push',
    'new',
  ],
  [
    'service account: create-on-push needs the org setting',
    robot([{ name: '*', access: 'admin' }]),
    acme,
    undefined,
    '',
    'new',
  ],
  [
    'service account: create-on-push needs read-write',
    robot([{ name: '*', access: 'read-only' }]),
    acmeOpen,
    undefined,
    '',
    'new',
  ],
];

describe('actionsFor', () => {
  for (const [what, subject, namespace, repository, expected, name] of table) {
    it(what, () => {
      const actions = actionsFor(subject, namespace, repository, name);
      assert.deepEqual([...actions].sort(), expected.split(' ').filter(Boolean).sort());
      assert.equal(isVisible(actions), expected !== '');
    });
  }
});
