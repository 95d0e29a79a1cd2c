/**
 * What the security review found leaking to View Only, closed, through the real docker CLI with real
 * bundles (cluster.ts: alice has Full Control on /Shared/dev, bob View Only there and Restricted Control on
 * his private collection): env values and exec commands of alice's workloads, the id of a container bob
 * may not see in a name conflict, others' containers behind an ambiguous id prefix, and engine-wide counts
 * in `docker info` and `docker system df`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DockerCliError } from '@stevedore/testkit';
import { IMAGE, startDockerCluster, type Account, type DockerCluster } from './cluster.js';
import { cliExpect } from './expect.js';

const DEV = ['--label', 'io.stevedore.collection=/Shared/dev'];
const SECRET_ENV = ['-e', 'PASSWORD=hunter2'];
const REDACTED = 'PASSWORD=<redacted by Stevedore>';
/** Go's JSON encoder (the CLI's `--format '{{json .}}'`, `service inspect`) writes < and > escaped. */
const plain = (out: string) => out.replace(/\\u003c/g, '<').replace(/\\u003e/g, '>');

describe('nothing leaks to View Only', () => {
  let cluster: DockerCluster;
  let x: ReturnType<typeof cliExpect>;
  /** An Engine API call through the proxy with the account's session, as the dashboard makes it. */
  const api = async (who: Account, path: string) => {
    const res = await cluster.call('GET', `/api/docker/v1.41${path}`, { token: cluster.tokens[who] });
    assert.equal(res.status, 200, `${who} GET ${path}: ${res.text}`);
    return res.text;
  };
  const ids = async (who: Account, args: string[]) => (await x.ok(who, args)).split('\n').filter(Boolean);

  before(async () => {
    cluster = await startDockerCluster();
    x = cliExpect(cluster);
    // Standalone containers schedule on the engine's node (in /Shared/dev): bob needs node.schedule there
    // (cluster.ts may grant it already: a second grant is refused as existing or made, either will do).
    const grant = await cluster.call('POST', '/api/v1/grants', {
      token: cluster.tokens.admin,
      body: { subject: { kind: 'user', id: 'bob' }, roleId: 'scheduler', collection: '/Shared/dev' },
    });
    assert.ok(grant.status < 300 || grant.status === 409, grant.text);
    const service = ['service', 'create', '--detach', '--no-resolve-image', '--name', 'vault'];
    await x.ok('alice', [...service, ...DEV, ...SECRET_ENV, IMAGE, 'sleep', '1000']);
    await x.ok('alice', ['run', '-d', '--name', 'vault-box', ...DEV, ...SECRET_ENV, IMAGE, 'sleep', '1000']);
    await x.ok('bob', ['run', '-d', '--name', 'bob-box', IMAGE, 'sleep', '1000']);
    await x.ok('admin', ['run', '-d', '--name', 'admin-taken', IMAGE, 'sleep', '1000']);
    await waitFor(async () => (await x.ok('alice', ['ps', '-q', '--filter', 'name=vault.1'])).trim() !== '');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('shows bob the names of env variables, never their values; alice sees them', async () => {
    const task = (await ids('bob', ['service', 'ps', '-q', '--no-trunc', 'vault']))[0]!;
    const taskBox = (await x.ok('bob', ['ps', '-q', '--filter', 'name=vault.1'])).trim();
    const reads: string[][] = [
      ['container', 'inspect', 'vault-box'],
      ['container', 'inspect', taskBox],
      ['service', 'inspect', 'vault'],
      ['inspect', '--type', 'task', task],
    ];
    for (const args of reads) {
      const bob = plain(await x.ok('bob', args));
      assert.ok(bob.includes(REDACTED) && !bob.includes('hunter2'), `bob: docker ${args.join(' ')}: ${bob}`);
      assert.match(await x.ok('alice', args), /PASSWORD=hunter2/, `alice: docker ${args.join(' ')}`);
    }
    assert.match(await x.ok('bob', ['service', 'ls']), /vault/);
    for (const path of ['/services', '/tasks', `/services/vault`]) {
      const bob = await api('bob', path);
      assert.ok(bob.includes(REDACTED) && !bob.includes('hunter2'), `bob GET ${path}`);
      assert.match(await api('alice', path), /PASSWORD=hunter2/, `alice GET ${path}`);
    }
  });

  it('keeps exec commands from bob in events and exec inspects; alice sees them', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    assert.equal(
      (await x.ok('alice', ['exec', 'vault-box', 'sh', '-c', 'echo topsecret'])).trim(),
      'topsecret',
    );
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const events = ['events', '--since', since, '--until', until, '--format', '{{json .}}'];
    const bobSaw = plain(await x.ok('bob', [...events, '--filter', 'container=vault-box']));
    assert.match(bobSaw, /exec_create: <redacted by Stevedore>/);
    assert.doesNotMatch(bobSaw, /topsecret/);
    assert.match(
      await x.ok('alice', [...events, '--filter', 'container=vault-box']),
      /exec_create: sh -c echo topsecret/,
    );
    // A finished exec leaves the container's ExecIDs but can still be inspected: its id is in the events.
    const execIds = bobSaw
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { Actor: { Attributes: Record<string, string> } }).Actor.Attributes)
      .map((attributes) => attributes['execID'])
      .filter((id): id is string => id !== undefined);
    assert.ok(execIds.length > 0, bobSaw);
    for (const id of execIds) {
      assert.doesNotMatch(await api('bob', `/exec/${id}/json`), /topsecret/);
      assert.match(await api('alice', `/exec/${id}/json`), /topsecret/);
    }
  });

  it('answers a name conflict with the holder’s id only to whoever may see it', async () => {
    const adminId = (await x.ok('admin', ['inspect', '--format', '{{.Id}}', 'admin-taken'])).trim();
    const create = await x.fails(
      'bob',
      ['create', '--name', 'admin-taken', IMAGE],
      /already in use by another container/,
    );
    const rename = await x.fails(
      'bob',
      ['rename', 'bob-box', 'admin-taken'],
      /already in use by another container/,
    );
    for (const stderr of [create, rename]) assert.ok(!stderr.includes(adminId), stderr);
    const aliceId = (await x.ok('alice', ['inspect', '--format', '{{.Id}}', 'vault-box'])).trim();
    await x.fails('alice', ['create', '--name', 'vault-box', IMAGE], new RegExp(`by container "${aliceId}"`));
  });

  it('resolves an id prefix among what bob may see: his container or a 404, never a 503', async () => {
    const visible = await ids('bob', ['ps', '-aq', '--no-trunc']);
    const firsts = async () => {
      const all = await ids('admin', ['ps', '-aq', '--no-trunc']);
      const hidden = all.filter((id) => !visible.includes(id));
      const count = (list: string[], c: string) => list.filter((id) => id.startsWith(c)).length;
      const hex = [...'0123456789abcdef'];
      return {
        shared: hex.find((c) => count(visible, c) === 1 && count(hidden, c) > 0),
        hiddenOnly: hex.find((c) => count(visible, c) === 0 && count(hidden, c) > 0),
      };
    };
    // Containers bob may not see, until one's first character is shared with exactly one of his view.
    let found = await firsts();
    for (let i = 0; i < 60 && (found.shared === undefined || found.hiddenOnly === undefined); i++) {
      await x.ok('admin', ['create', IMAGE, 'true']);
      found = await firsts();
    }
    const { shared, hiddenOnly } = found;
    assert.ok(
      shared !== undefined && hiddenOnly !== undefined,
      'no shared and hidden prefixes after 60 containers',
    );
    const own = visible.find((id) => id.startsWith(shared))!;
    assert.equal((await x.ok('bob', ['container', 'inspect', '--format', '{{.Id}}', shared])).trim(), own);
    await x.fails(
      'bob',
      ['container', 'inspect', hiddenOnly],
      new RegExp(`No such container: ${hiddenOnly}`),
    );
    for (const c of '0123456789abcdef') {
      const out = await cluster.docker('bob', ['container', 'inspect', '--format', '{{.Id}}', c]).then(
        (r) => r.stdout.trim(),
        (err: DockerCliError) => err.stderr,
      );
      assert.ok(visible.includes(out) || /No such container/.test(out), `bob inspect ${c}: ${out}`);
    }
  });

  it('counts in docker info only what bob may see, and shows no cluster', async () => {
    const info = JSON.parse(await x.ok('bob', ['info', '--format', '{{json .}}'])) as Record<string, unknown>;
    const swarm = info['Swarm'] as Record<string, unknown>;
    assert.equal(info['Containers'], (await ids('bob', ['ps', '-aq'])).length);
    assert.equal(info['ContainersRunning'], (await ids('bob', ['ps', '-q'])).length);
    assert.ok(!swarm['Cluster'] && !swarm['RemoteManagers'], JSON.stringify(swarm));
    assert.equal(swarm['Nodes'], 1);
    const adminInfo = JSON.parse(await x.ok('admin', ['info', '--format', '{{json .}}'])) as Record<
      string,
      unknown
    >;
    assert.ok(Number(adminInfo['Containers']) > Number(info['Containers']));
    assert.ok((adminInfo['Swarm'] as Record<string, unknown>)['Cluster']);
  });

  it('answers docker system df for bob with only his containers and volumes', async () => {
    await x.ok('bob', ['volume', 'create', 'bob-vol']);
    await x.ok('admin', ['volume', 'create', 'admin-vol']);
    assert.match(await x.ok('bob', ['system', 'df']), /Containers/);
    const verbose = await x.ok('bob', ['system', 'df', '-v']);
    assert.match(verbose, /bob-box/);
    assert.match(verbose, /bob-vol/);
    assert.doesNotMatch(verbose, /admin-taken|admin-vol/);
    const df = JSON.parse(await api('bob', '/system/df')) as {
      Containers: { Names: string[] }[];
      BuildCache: unknown[];
    };
    const visible = await ids('bob', ['ps', '-a', '--format', '{{.Names}}']);
    assert.deepEqual(df.Containers.map((c) => c.Names[0]!.slice(1)).sort(), visible.sort());
    assert.deepEqual(df.BuildCache, []);
    assert.match(await x.ok('admin', ['system', 'df', '-v']), /admin-taken/);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 250));
  }
}
