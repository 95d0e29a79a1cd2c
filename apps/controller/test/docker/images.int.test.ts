/**
 * Image ownership through Stevedore, driven by the real docker CLI with real client bundles against a
 * private swarm engine (cluster.ts: admin; alice, Full Control on /Shared/dev; bob, View Only there; each
 * Restricted Control on their private collection). What one user builds, tags, commits or loads is theirs:
 * others neither see it nor replace or remove it. Shared tags (the test image, made on the engine
 * directly; what is pulled from a registry) are seen by all and replaced or removed by none but their
 * puller and administrators. `cluster.engine.docker` checks the engine itself, bypassing the proxy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { startReferenceRegistry, type ReferenceRegistry } from '@stevedore/testkit';
import { IMAGE, startDockerCluster, type Account, type DockerCluster } from './cluster.js';
import { cliExpect } from './expect.js';

describe('image ownership through the authorizing proxy', () => {
  let cluster: DockerCluster;
  let x: ReturnType<typeof cliExpect>;
  let registry: ReferenceRegistry | undefined;

  /** What `docker images` shows the account, as repository:tag. */
  const tags = async (who: Account) =>
    (await x.ok(who, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').filter(Boolean).sort();
  /** The image id a tag names on the engine itself. */
  const engineId = async (ref: string) =>
    (await cluster.engine.docker(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();

  before(async () => {
    cluster = await startDockerCluster();
    x = cliExpect(cluster);
  });
  after(async () => {
    await registry?.stop();
    await cluster?.stop();
  });

  it("keeps alice's build to alice: bob neither lists, inspects, saves nor runs it", async () => {
    await x.ok('alice', ['build', '-q', '-t', 'alice/app:1', '-'], {
      input: `FROM ${IMAGE}\nRUN echo alice-secret > /secret\n`,
    });
    assert.ok((await tags('alice')).includes('alice/app:1'));
    const bobSees = await tags('bob');
    assert.ok(!bobSees.includes('alice/app:1') && bobSees.includes(IMAGE), bobSees.join());
    await x.fails('bob', ['image', 'inspect', 'alice/app:1'], /No such image: alice\/app:1/);
    await x.fails('bob', ['history', 'alice/app:1'], /No such image: alice\/app:1/);
    await x.fails(
      'bob',
      ['save', '-o', join(cluster.dataDir, 'stolen.tar'), 'alice/app:1'],
      /reference does not exist/,
    );
    await x.fails(
      'bob',
      ['run', '--rm', '--pull', 'never', 'alice/app:1', 'cat', '/secret'],
      /No such image: alice\/app:1/,
    );
    // By id, too: the image is alice's alone.
    const id = await engineId('alice/app:1');
    await x.fails('bob', ['image', 'inspect', id], /No such image/);
    await x.fails('bob', ['run', '--rm', '--pull', 'never', id, 'cat', '/secret'], /No such image/);
    // Without --pull never the CLI pulls on the 404: a pull may not replace alice's tag either.
    await x.fails(
      'bob',
      ['run', '--rm', 'alice/app:1', 'cat', '/secret'],
      /the tag alice\/app:1 belongs to alice/,
    );
    // alice uses it as any image.
    assert.equal(
      (await x.ok('alice', ['run', '--rm', 'alice/app:1', 'cat', '/secret'])).trim(),
      'alice-secret',
    );
    assert.match(
      await x.ok('alice', ['image', 'inspect', '--format', '{{.RepoTags}}', 'alice/app:1']),
      /alice\/app:1/,
    );
  });

  it('refuses bob replacing or removing her tag, saying whose it is', async () => {
    await x.ok('bob', ['build', '-q', '-t', 'bob/x:1', '-'], {
      input: `FROM ${IMAGE}\nRUN echo bob > /mine\n`,
    });
    const before = await engineId('alice/app:1');
    await x.fails(
      'bob',
      ['tag', 'bob/x:1', 'alice/app:1'],
      /access denied by Stevedore: the tag alice\/app:1 belongs to alice: tag your image under another name/,
    );
    await x.fails(
      'bob',
      ['build', '-q', '-t', 'alice/app:1', '-'],
      /the tag alice\/app:1 belongs to alice: build your image under another name/,
      { input: `FROM ${IMAGE}\n` },
    );
    await x.fails('bob', ['rmi', 'alice/app:1'], /No such image: alice\/app:1/);
    // (Not `rmi -f`: the CLI hides a 404 then.)
    await x.fails('bob', ['rmi', before], /No such image/);
    // A load of an archive holding her tag is cut before the engine has it all.
    const archive = join(await mkdtemp(join(cluster.dataDir, 'load-')), 'app.tar');
    await cluster.engine.docker(['save', '-o', archive, 'alice/app:1']);
    await x.fails(
      'bob',
      ['load', '-i', archive],
      /the tag alice\/app:1 belongs to alice: load your image under another name/,
    );
    assert.equal(await engineId('alice/app:1'), before);
    assert.equal(
      (await cluster.engine.docker(['run', '--rm', 'alice/app:1', 'cat', '/secret'])).stdout.trim(),
      'alice-secret',
    );
  });

  it('shows the shared test image to both, and lets neither replace nor remove it', async () => {
    const shared = await engineId(IMAGE);
    const own = { alice: 'alice/app:1', bob: 'bob/x:1' } as const;
    for (const who of ['alice', 'bob'] as const) {
      assert.match(await x.ok(who, ['image', 'inspect', '--format', '{{.Id}}', IMAGE]), new RegExp(shared));
      await x.fails(
        who,
        ['tag', own[who], IMAGE],
        /the tag stevedore\/busybox:test is shared \(made by an administrator\): replacing it would change what everyone runs/,
      );
      await x.fails(
        who,
        ['rmi', IMAGE],
        /the tag stevedore\/busybox:test is shared \(made by an administrator\): only an administrator may remove it/,
      );
    }
    // bob can retag the shared image under a name of his own.
    await x.ok('bob', ['tag', IMAGE, 'bob/base:1']);
    assert.ok((await tags('bob')).includes('bob/base:1'));
    assert.ok(!(await tags('alice')).includes('bob/base:1'));
    assert.equal(await engineId(IMAGE), shared);
  });

  it('moves ownership with the tags: removed, the name is free again', async () => {
    const bobImage = await engineId('bob/x:1');
    assert.ok(!(await tags('alice')).includes('bob/x:1'));
    await x.ok('alice', ['rmi', 'alice/app:1']);
    await assert.rejects(engineId('alice/app:1'));
    // The name is free: bob may make it now, and then it is his (alice no longer sees it).
    await x.ok('bob', ['tag', 'bob/x:1', 'alice/app:1']);
    assert.equal(await engineId('alice/app:1'), bobImage);
    assert.ok((await tags('bob')).includes('alice/app:1'));
    assert.ok(!(await tags('alice')).includes('alice/app:1'));
    await x.fails('alice', ['tag', IMAGE, 'alice/app:1'], /the tag alice\/app:1 belongs to bob/);
    await x.ok('bob', ['rmi', 'alice/app:1']);
    await x.ok('alice', ['tag', IMAGE, 'alice/app:1']);
    assert.equal(await engineId('alice/app:1'), await engineId(IMAGE));
    // An administrator sees and removes anything.
    assert.ok((await tags('admin')).includes('bob/x:1'));
    await x.ok('admin', ['rmi', 'alice/app:1']);
  });

  it('commits and loads into names of the caller, and records them', async () => {
    await x.ok('bob', ['run', '--name', 'bob-work', IMAGE, 'sh', '-c', 'echo work > /work']);
    await x.fails('bob', ['commit', 'bob-work', IMAGE], /the tag stevedore\/busybox:test is shared/);
    await x.ok('bob', ['commit', 'bob-work', 'bob/work:1']);
    assert.ok((await tags('bob')).includes('bob/work:1'));
    assert.ok(!(await tags('alice')).includes('bob/work:1'));
    await x.ok('bob', ['rm', 'bob-work']);
    // A load of a new name (an archive made on the engine) is bob's.
    const archive = join(await mkdtemp(join(cluster.dataDir, 'load-')), 'work.tar');
    await cluster.engine.docker(['tag', 'bob/work:1', 'bob/loaded:1']);
    await cluster.engine.docker(['save', '-o', archive, 'bob/loaded:1']);
    await cluster.engine.docker(['rmi', 'bob/loaded:1']);
    assert.match(await x.ok('bob', ['load', '-i', archive]), /Loaded image: bob\/loaded:1/);
    assert.ok((await tags('bob')).includes('bob/loaded:1'));
    assert.ok(!(await tags('alice')).includes('bob/loaded:1'));
    // An image made without a name is its maker's, by id.
    const untagged = (
      await x.ok('bob', ['build', '-q', '-'], { input: `FROM ${IMAGE}\nRUN echo untagged > /u\n` })
    ).trim();
    assert.equal((await x.ok('bob', ['run', '--rm', untagged, 'cat', '/u'])).trim(), 'untagged');
    await x.fails('alice', ['run', '--rm', '--pull', 'never', untagged, 'cat', '/u'], /No such image/);
  });

  it('shares what is pulled: seen by all, removed by its puller once no one else runs it', async () => {
    registry = await startReferenceRegistry({ parentDir: cluster.dataDir });
    const base = `${registry.host}/shared/base:1`;
    await cluster.engine.docker(['tag', IMAGE, base]);
    await cluster.engine.docker(['push', base]);
    await cluster.engine.docker(['rmi', base]);
    assert.match(await x.ok('alice', ['pull', base]), /Downloaded newer image|Image is up to date/);
    assert.ok((await tags('bob')).includes(base), 'a pulled tag is shared');
    await x.ok('bob', ['run', '-d', '--name', 'bob-on-base', base, 'sleep', '1000']);
    await x.fails(
      'bob',
      ['rmi', base],
      /is shared \(pulled by alice\): only alice or an administrator may remove it/,
    );
    await x.fails('alice', ['rmi', base], /is shared and 1 container of other users runs its image/);
    // bob may pull it again (a pull may replace a shared tag), and may not tag over it.
    await x.ok('bob', ['pull', base]);
    await x.fails('bob', ['tag', 'bob/x:1', base], /is shared \(pulled by alice\)/);
    await x.ok('bob', ['rm', '-f', 'bob-on-base']);
    await x.ok('alice', ['rmi', base]);
    await assert.rejects(engineId(base));
    // A pull over someone's private tag is refused.
    await x.ok('alice', ['tag', IMAGE, `${registry.host}/alice/mine:1`]);
    await x.fails(
      'bob',
      ['pull', `${registry.host}/alice/mine:1`],
      /belongs to alice: a pull may not replace another user's image/,
    );
  });

  it('keeps image events to the tags each account may see', async () => {
    const now = async () =>
      (await cluster.engine.docker(['system', 'info', '--format', '{{.SystemTime}}'])).stdout.trim();
    const from = await now();
    await x.ok('alice', ['build', '-q', '-t', 'alice/ev:1', '-'], {
      input: `FROM ${IMAGE}\nRUN echo a > /a\n`,
    });
    await x.ok('bob', ['build', '-q', '-t', 'bob/ev:1', '-'], { input: `FROM ${IMAGE}\nRUN echo b > /b\n` });
    await x.ok('bob', ['tag', IMAGE, 'bob/ev:2']);
    const until = await now();
    const events = async (who: Account) =>
      (
        await x.ok(who, [
          'events',
          '--since',
          from,
          '--until',
          until,
          '--filter',
          'type=image',
          '--format',
          '{{.Action}} {{index .Actor.Attributes "name"}}',
        ])
      )
        .split('\n')
        .filter((e) => e.startsWith('tag '))
        .sort();
    assert.deepEqual(await events('alice'), ['tag alice/ev:1']);
    assert.deepEqual(await events('bob'), ['tag bob/ev:1', 'tag bob/ev:2']);
    assert.deepEqual(await events('admin'), ['tag alice/ev:1', 'tag bob/ev:1', 'tag bob/ev:2']);
  });
});
