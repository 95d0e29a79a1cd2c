// Image ownership through the planner, in-process: a table of (caller, request) → allowed or the refusal,
// over one engine state and one set of records; then what the plans record once the engine answers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, type Transform } from 'node:stream';
import { text } from 'node:stream/consumers';
import { matchEndpoint } from './operations/index.js';
import { decodeBody } from './canonical/index.js';
import { createImagePolicy } from './image-plan.js';
import { createMemoryImageOwners, type ImageOwners, type ImageSource } from './image-owners.js';
import type { Plan, PlanContext } from './plan-context.js';
import { planRequest } from './plan.js';
import { EngineRefusal } from './refusals.js';
import { Resolver } from './resolver.js';
import { idOf, imageCallers, imageEngine, type ImageWho, type TestImage } from './test-images.js';
import { visibleImageList, imageEventVisible } from './image-access.js';

const SHARED = idOf('1'); // stevedore/busybox:test, made on the engine directly
const ALICE_APP = idOf('2'); // alice/app:1, built by alice
const BOB_X = idOf('3'); // bob/x:1, built by bob
const REDIS = idOf('4'); // redis:7, pulled by alice; a container of bob's runs it
const STALE = idOf('5'); // alice/old:1, alice's record is for another image
const MIXED = idOf('6'); // alice/secret:1 (alice's) and shared/m:1 (no record) on one image
const UNTAGGED = idOf('7');
const TEAM_ALICE = idOf('e'); // team/app:1, alice's
const TEAM_SHARED = idOf('f'); // team/app:2, no record
const AT = '2026-01-01T00:00:00.000Z';

function images(): TestImage[] {
  return [
    { Id: SHARED, RepoTags: ['stevedore/busybox:test'] },
    { Id: ALICE_APP, RepoTags: ['alice/app:1'] },
    { Id: BOB_X, RepoTags: ['bob/x:1'] },
    { Id: REDIS, RepoTags: ['redis:7'], RepoDigests: [`redis@sha256:${'e'.repeat(64)}`] },
    { Id: STALE, RepoTags: ['alice/old:1'] },
    { Id: MIXED, RepoTags: ['alice/secret:1', 'shared/m:1'] },
    { Id: UNTAGGED, RepoTags: [] },
    { Id: TEAM_ALICE, RepoTags: ['team/app:1'] },
    { Id: TEAM_SHARED, RepoTags: ['team/app:2'] },
  ];
}
const containers = () => [
  {
    Id: 'c'.repeat(64),
    Names: ['/bob-redis'],
    ImageID: REDIS,
    Labels: { 'io.stevedore.collection': '/Shared/Private/bob' },
  },
];

async function records(): Promise<ImageOwners> {
  const owners = createMemoryImageOwners();
  const put = (ref: string, owner: string, source: ImageSource, image: string) =>
    owners.record(ref, { owner, source, at: AT, image });
  await put('docker.io/alice/app:1', 'alice', 'build', ALICE_APP);
  await put('docker.io/bob/x:1', 'bob', 'build', BOB_X);
  await put('docker.io/library/redis:7', 'alice', 'pull', REDIS);
  await put('docker.io/alice/old:1', 'alice', 'build', idOf('9'));
  await put('docker.io/alice/secret:1', 'alice', 'tag', MIXED);
  await put('docker.io/team/app:1', 'alice', 'tag', TEAM_ALICE);
  return owners;
}

async function setup() {
  const engine = imageEngine(images(), containers());
  const owners = await records();
  const who = imageCallers();
  const ctxOf = (w: ImageWho): PlanContext => ({
    engine,
    resolver: new Resolver(engine),
    access: who[w].access,
    caller: who[w].caller,
    readBody: (kind) =>
      Promise.resolve(decodeBody(kind, Buffer.from('{}'), { allowUnknown: true }) as Record<string, unknown>),
    images: createImagePolicy(owners),
  });
  const plan = (w: ImageWho, method: string, url: string): Promise<Plan> => {
    const match = matchEndpoint(method, url);
    assert.ok(match, `${method} ${url}`);
    return planRequest(ctxOf(w), match, url);
  };
  return { engine, owners, plan, ctxOf };
}

const B = `/v1.41`;
type Row = [who: ImageWho, method: string, url: string, expected: 'ok' | [status: number, message: RegExp]];

const ROWS: Row[] = [
  // Seeing: another user's private tag is missing; shared ones and one's own are there.
  [
    'bob',
    'GET',
    `${B}/images/alice/app:1/json`,
    [404, /^no such image: alice\/app:1: No such image: alice\/app:1$/],
  ],
  ['alice', 'GET', `${B}/images/alice/app:1/json`, 'ok'],
  ['bob', 'GET', `${B}/images/stevedore/busybox:test/json`, 'ok'],
  ['bob', 'GET', `${B}/images/redis:7/json`, 'ok'],
  ['bob', 'GET', `${B}/images/alice/app:1/history`, [404, /^No such image: alice\/app:1$/]],
  ['bob', 'GET', `${B}/images/${ALICE_APP}/json`, [404, /No such image/]],
  ['bob', 'GET', `${B}/images/${ALICE_APP.slice(7, 19)}/json`, [404, /No such image/]],
  ['bob', 'GET', `${B}/images/${MIXED}/json`, 'ok'],
  ['bob', 'GET', `${B}/images/alice/secret:1/json`, [404, /No such image/]],
  ['bob', 'GET', `${B}/images/${UNTAGGED}/json`, [404, /No such image/]],
  ['admin', 'GET', `${B}/images/${UNTAGGED}/json`, 'ok'],
  ['bob', 'GET', `${B}/images/alice/old:1/json`, 'ok'], // a stale record does not hide a tag
  ['bob', 'GET', `${B}/images/get?names=alice%2Fapp%3A1`, [404, /^reference does not exist$/]],
  ['bob', 'GET', `${B}/images/get?names=bob%2Fx%3A1&names=redis%3A7`, 'ok'],
  ['bob', 'GET', `${B}/images/alice/app:1/get`, [404, /^reference does not exist$/]],
  [
    'bob',
    'POST',
    `${B}/images/alice/app/push?tag=1`,
    [404, /^An image does not exist locally with the tag: alice\/app$/],
  ],
  ['bob', 'POST', `${B}/images/bob/x/push?tag=1`, 'ok'],
  ['bob', 'POST', `${B}/images/shared/m/push?tag=1`, 'ok'],
  ['bob', 'POST', `${B}/images/alice/secret/push?tag=1`, [404, /does not exist locally/]],
  // Every tag of a repository (push -a): all must be the caller's to see.
  ['bob', 'POST', `${B}/images/shared/m/push`, 'ok'],
  [
    'bob',
    'POST',
    `${B}/images/alice/secret/push`,
    [404, /An image does not exist locally with the tag: alice\/secret/],
  ],
  [
    'bob',
    'POST',
    `${B}/images/team/app/push`,
    [403, /pushing every tag of team\/app would push tags of other users too/],
  ],
  ['alice', 'POST', `${B}/images/team/app/push`, 'ok'],
  // Tagging: the source must be visible; the target new, or the caller's own private tag.
  [
    'bob',
    'POST',
    `${B}/images/bob/x:1/tag?repo=alice%2Fapp&tag=1`,
    [
      403,
      /^access denied by Stevedore: the tag alice\/app:1 belongs to alice: tag your image under another name$/,
    ],
  ],
  [
    'bob',
    'POST',
    `${B}/images/bob/x:1/tag?repo=stevedore%2Fbusybox&tag=test`,
    [
      403,
      /the tag stevedore\/busybox:test is shared \(made by an administrator\): replacing it would change what everyone runs/,
    ],
  ],
  ['bob', 'POST', `${B}/images/bob/x:1/tag?repo=redis&tag=7`, [403, /shared \(pulled by alice\)/]],
  ['bob', 'POST', `${B}/images/bob/x:1/tag?repo=bob%2Fy&tag=1`, 'ok'],
  [
    'bob',
    'POST',
    `${B}/images/bob/x:1/tag?repo=alice%2Fold&tag=1`,
    [403, /alice\/old:1 is shared \(made by an administrator\)/],
  ],
  [
    'bob',
    'POST',
    `${B}/images/alice/app:1/tag?repo=bob%2Fmine&tag=1`,
    [404, /^No such image: alice\/app:1$/],
  ],
  ['alice', 'POST', `${B}/images/stevedore/busybox:test/tag?repo=alice%2Fapp&tag=1`, 'ok'],
  [
    'bob',
    'POST',
    `${B}/images/stevedore/busybox:test/tag?repo=Bad%20Name`,
    [400, /invalid reference format/],
  ],
  ['admin', 'POST', `${B}/images/bob/x:1/tag?repo=stevedore%2Fbusybox&tag=test`, 'ok'],
  // Removing
  ['bob', 'DELETE', `${B}/images/alice/app:1`, [404, /^No such image: alice\/app:1$/]],
  [
    'bob',
    'DELETE',
    `${B}/images/stevedore/busybox:test`,
    [
      403,
      /the tag stevedore\/busybox:test is shared \(made by an administrator\): only an administrator may remove it/,
    ],
  ],
  ['alice', 'DELETE', `${B}/images/stevedore/busybox:test`, [403, /only an administrator may remove it/]],
  [
    'alice',
    'DELETE',
    `${B}/images/redis:7`,
    [403, /redis:7 is shared and 1 container of other users runs its image/],
  ],
  [
    'bob',
    'DELETE',
    `${B}/images/redis:7`,
    [403, /shared \(pulled by alice\): only alice or an administrator/],
  ],
  ['alice', 'DELETE', `${B}/images/alice/app:1`, 'ok'],
  ['bob', 'DELETE', `${B}/images/bob/x:1`, 'ok'],
  [
    'alice',
    'DELETE',
    `${B}/images/${MIXED}?force=1`,
    [403, /shared\/m:1 is shared \(made by an administrator\)/],
  ],
  [
    'bob',
    'DELETE',
    `${B}/images/${MIXED}?force=1`,
    [403, /is also tagged by other users: remove your own tags by name/],
  ],
  ['bob', 'DELETE', `${B}/images/${BOB_X}`, 'ok'],
  ['admin', 'DELETE', `${B}/images/stevedore/busybox:test`, 'ok'],
  // Pulls and imports
  [
    'bob',
    'POST',
    `${B}/images/create?fromImage=alice%2Fapp&tag=1`,
    [403, /the tag alice\/app:1 belongs to alice: a pull may not replace another user's image/],
  ],
  ['bob', 'POST', `${B}/images/create?fromImage=stevedore%2Fbusybox&tag=test`, 'ok'],
  ['bob', 'POST', `${B}/images/create?fromImage=redis&tag=7`, 'ok'],
  ['alice', 'POST', `${B}/images/create?fromImage=alice%2Fapp&tag=1`, 'ok'],
  ['bob', 'POST', `${B}/images/create?fromImage=alice%2Fapp%3A1`, [403, /belongs to alice/]],
  ['bob', 'POST', `${B}/images/create?fromImage=alice%2Fapp&tag=sha256%3A${'f'.repeat(64)}`, 'ok'],
  [
    'bob',
    'POST',
    `${B}/images/create?fromImage=busybox`,
    [403, /pulling every tag of busybox is for administrators/],
  ],
  ['admin', 'POST', `${B}/images/create?fromImage=busybox`, 'ok'],
  [
    'bob',
    'POST',
    `${B}/images/create?fromSrc=http%3A%2F%2F169.254.169.254%2F`,
    [
      403,
      /the import source http:\/\/169\.254\.169\.254\/ resolves to 169\.254\.169\.254, a link-local address/,
    ],
  ],
  [
    'bob',
    'POST',
    `${B}/images/create?fromSrc=-&repo=alice%2Fapp&tag=1`,
    [403, /belongs to alice: import your image under another name/],
  ],
  ['bob', 'POST', `${B}/images/create?fromSrc=-&repo=bob%2Fimported`, 'ok'],
  // Builds
  [
    'bob',
    'POST',
    `${B}/build?t=alice%2Fapp%3A1`,
    [403, /the tag alice\/app:1 belongs to alice: build your image under another name/],
  ],
  [
    'bob',
    'POST',
    `${B}/build?t=bob%2Fnew&t=stevedore%2Fbusybox%3Atest`,
    [403, /stevedore\/busybox:test is shared/],
  ],
  ['bob', 'POST', `${B}/build?t=bob%2Fnew&t=bob%2Fx%3A1`, 'ok'],
  [
    'bob',
    'POST',
    `${B}/build?remote=http%3A%2F%2F127.0.0.1%3A9%2Fctx.tar`,
    [403, /remote=\) is for administrators/],
  ],
  [
    'bob',
    'POST',
    `${B}/build?cachefrom=${encodeURIComponent('["alice/app:1"]')}`,
    [404, /No such image: alice\/app:1/],
  ],
  // Loads are checked against the archive as it flows (see below); the call itself is allowed.
  ['bob', 'POST', `${B}/images/load`, 'ok'],
];

describe('image ownership in the planner', () => {
  for (const [who, method, url, expected] of ROWS) {
    it(`${who} ${method} ${url.slice(B.length)}`, async () => {
      const { plan } = await setup();
      const outcome = await plan(who, method, url).then(
        () => 'ok' as const,
        (err: unknown) => err,
      );
      if (expected === 'ok') {
        assert.equal(outcome, 'ok', outcome instanceof Error ? outcome.message : '');
        return;
      }
      assert.ok(outcome instanceof EngineRefusal, String(outcome));
      assert.equal(outcome.status, expected[0], outcome.message);
      assert.match(outcome.message, expected[1]);
    });
  }

  it('cuts the names the caller may not see from inspects and lists', async () => {
    const { plan, owners, engine } = await setup();
    const p = await plan('bob', 'GET', `${B}/images/shared/m:1/json`);
    assert.equal(p.answer, 'image');
    assert.ok(p.url.includes(encodeURIComponent(MIXED)), p.url);
    const inspected = (await p.rewrite!(engine.images.find((i) => i.Id === MIXED))) as TestImage;
    assert.deepEqual(inspected.RepoTags, ['shared/m:1']);
    const bob = imageCallers().bob.caller;
    const list = (await visibleImageList(bob, owners, images())) as TestImage[];
    assert.deepEqual(
      list.map((i) => [i.Id, i.RepoTags]),
      [
        [SHARED, ['stevedore/busybox:test']],
        [BOB_X, ['bob/x:1']],
        [REDIS, ['redis:7']],
        [STALE, ['alice/old:1']],
        [MIXED, ['shared/m:1']],
        [TEAM_SHARED, ['team/app:2']],
      ],
    );
    const alice = imageCallers().alice.caller;
    const all = images().filter((i) => i.Id !== BOB_X && i.Id !== UNTAGGED);
    assert.equal(all.length, 7);
    assert.deepEqual(await visibleImageList(alice, owners, all), all);
  });

  it('keeps image events to the tags and images the caller may see', async () => {
    const { engine, owners } = await setup();
    const scope = (w: ImageWho) => ({ engine, owners, caller: imageCallers()[w].caller });
    const tagged = (name: string, id: string) => ({ Actor: { ID: id, Attributes: { name } } });
    assert.equal(await imageEventVisible(scope('bob'), tagged('alice/app:1', ALICE_APP)), false);
    assert.equal(await imageEventVisible(scope('alice'), tagged('alice/app:1', ALICE_APP)), true);
    assert.equal(await imageEventVisible(scope('bob'), tagged('stevedore/busybox:test', SHARED)), true);
    // A pull names the tag as its ID and the repository as its name.
    assert.equal(await imageEventVisible(scope('bob'), tagged('alice/app', 'alice/app:1')), false);
    assert.equal(await imageEventVisible(scope('bob'), tagged(ALICE_APP, ALICE_APP)), false);
    assert.equal(await imageEventVisible(scope('bob'), tagged(MIXED, MIXED)), true);
    assert.equal(await imageEventVisible(scope('bob'), tagged(idOf('8'), idOf('8'))), false);
    assert.equal(await imageEventVisible(scope('admin'), tagged(idOf('8'), idOf('8'))), true);
  });
});

/** Sends `lines` through the plan's answer watcher; what the caller would read. */
async function answerThrough(p: Plan, lines: unknown[], status = 200): Promise<string> {
  const watch = p.watchAnswer?.(status) as Transform;
  assert.ok(watch, 'the plan watches its answer');
  return text(Readable.from(lines.map((l) => `${JSON.stringify(l)}\n`)).pipe(watch));
}

describe('image records after the engine made the tag', () => {
  it('records a tag, and nothing for an administrator', async () => {
    const { plan, owners } = await setup();
    const p = await plan('bob', 'POST', `${B}/images/bob/x:1/tag?repo=bob%2Fy&tag=1`);
    assert.ok(p.url.includes(encodeURIComponent(BOB_X)), 'the tag goes on the image checked');
    await p.verify!(undefined);
    const got = (await owners.get(['docker.io/bob/y:1'])).get('docker.io/bob/y:1');
    assert.deepEqual({ ...got, at: AT }, { owner: 'bob', source: 'tag', at: AT, image: BOB_X });
    const byAdmin = await plan('admin', 'POST', `${B}/images/bob/x:1/tag?repo=bob%2Fz&tag=1`);
    await byAdmin.verify?.(undefined);
    assert.equal((await owners.get(['docker.io/bob/z:1'])).size, 0);
  });

  it("records a build's tags from its stream, passing every line on; a failed build records nothing", async () => {
    const { plan, owners } = await setup();
    const built = idOf('a');
    const p = await plan('bob', 'POST', `${B}/build?t=bob%2Fnew&t=bob%2Fnew%3A2`);
    const lines = [
      { stream: 'Step 1/2 : FROM x\n' },
      { aux: { ID: built } },
      { stream: 'Successfully built\n' },
    ];
    const out = await answerThrough(p, lines);
    assert.equal(out, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const got = await owners.get(['docker.io/bob/new:latest', 'docker.io/bob/new:2']);
    assert.deepEqual(
      [...got.values()].map((r) => [r.owner, r.source, r.image]),
      [
        ['bob', 'build', built],
        ['bob', 'build', built],
      ],
    );
    const failing = await plan('bob', 'POST', `${B}/build?t=bob%2Fbroken`);
    await answerThrough(failing, [{ stream: 'Step 1/1\n' }, { errorDetail: { message: 'no' }, error: 'no' }]);
    assert.equal((await owners.get(['docker.io/bob/broken:latest'])).size, 0);
  });

  it('keeps the record of a tag a pull left as it was, and records a new one', async () => {
    const { plan, owners, engine } = await setup();
    const upToDate = await plan('bob', 'POST', `${B}/images/create?fromImage=redis&tag=7`);
    await answerThrough(upToDate, [{ status: 'Status: Image is up to date for redis:7' }]);
    assert.equal(
      (await owners.get(['docker.io/library/redis:7'])).get('docker.io/library/redis:7')?.owner,
      'alice',
    );
    const fresh = await plan('bob', 'POST', `${B}/images/create?fromImage=nginx&tag=1`);
    engine.images.push({ Id: idOf('b'), RepoTags: ['nginx:1'] });
    await answerThrough(fresh, [{ status: 'Status: Downloaded newer image for nginx:1' }]);
    const got = (await owners.get(['docker.io/library/nginx:1'])).get('docker.io/library/nginx:1');
    assert.deepEqual([got?.owner, got?.source, got?.image], ['bob', 'pull', idOf('b')]);
  });

  it('gives an untagged build to its maker, recorded under its id', async () => {
    const { plan, owners, engine } = await setup();
    const built = idOf('d');
    engine.images.push({ Id: built, RepoTags: [] });
    const p = await plan('bob', 'POST', `${B}/build`);
    await answerThrough(p, [{ stream: `${built}\n` }]);
    assert.equal((await owners.get([built])).get(built)?.owner, 'bob');
    await plan('bob', 'GET', `${B}/images/${built}/json`);
    await assert.rejects(plan('alice', 'GET', `${B}/images/${built}/json`), /No such image/);
    // The same content made again (the build cache) stays its first maker's.
    const again = await plan('alice', 'POST', `${B}/build`);
    await answerThrough(again, [{ aux: { ID: built } }]);
    assert.equal((await owners.get([built])).get(built)?.owner, 'bob');
    const removal = await plan('bob', 'DELETE', `${B}/images/${built}`);
    await removal.verify!([{ Deleted: built }]);
    assert.equal((await owners.get([built])).size, 0);
  });

  it('forgets the records of the tags a removal untagged', async () => {
    const { plan, owners } = await setup();
    const p = await plan('alice', 'DELETE', `${B}/images/alice/app:1`);
    await p.verify!([{ Untagged: 'alice/app:1' }, { Deleted: ALICE_APP }]);
    assert.equal((await owners.get(['docker.io/alice/app:1'])).size, 0);
  });

  it('takes a private tag back when its record cannot be written, and says so', async () => {
    const { engine, ctxOf } = await setup();
    const failing: ImageOwners = {
      ...createMemoryImageOwners(),
      record: () => Promise.reject(new Error('store down')),
    };
    const ctx = { ...ctxOf('bob'), images: createImagePolicy(failing) };
    engine.images.push({ Id: idOf('c'), RepoTags: ['bob/fresh:1'] });
    const url = `${B}/build?t=bob%2Fnew`;
    const p = await planRequest(ctx, matchEndpoint('POST', url)!, url);
    engine.images.find((i) => i.Id === idOf('c'))!.RepoTags.push('bob/new:latest');
    const out = await answerThrough(p, [{ aux: { ID: idOf('c') } }]);
    assert.match(
      out,
      /"error":"Stevedore could not record who made bob\/new:latest, so it was removed again: try again"/,
    );
    assert.deepEqual(engine.images.find((i) => i.Id === idOf('c'))!.RepoTags, ['bob/fresh:1']);
  });
});
