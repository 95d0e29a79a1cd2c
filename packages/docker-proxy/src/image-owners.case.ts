/**
 * The cases every ImageOwners implementation runs (hono's common.case idea): the memory one here
 * (image-owners.test.ts), the Store-backed one in the controller over each Store.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageOwners, ImageTagRecord } from './image-owners.js';

export interface ImageOwnersFixture {
  readonly owners: ImageOwners;
  close(): Promise<void>;
}

const ID_A = `sha256:${'a'.repeat(64)}`;
const ID_B = `sha256:${'b'.repeat(64)}`;
const AT = '2026-01-01T00:00:00.000Z';
const rec = (owner: string, source: ImageTagRecord['source'], image = ID_A): ImageTagRecord => ({
  owner,
  source,
  at: AT,
  image,
});

/** References that need care in a key: registries with ports, nested paths, digests, odd tags. */
const REFS = [
  'docker.io/library/busybox:latest',
  'localhost:5000/team/app/web:1.2.3-rc_1',
  `docker.io/library/busybox@sha256:${'c'.repeat(64)}`,
  '[::1]:5000/a:b',
  'registry.example.com/a__b/c-d:V.1',
];

export function imageOwnersCases(name: string, setup: () => Promise<ImageOwnersFixture>): void {
  describe(`image owners: ${name}`, () => {
    const withOwners = (fn: (owners: ImageOwners) => Promise<void>) => async () => {
      const fixture = await setup();
      try {
        await fn(fixture.owners);
      } finally {
        await fixture.close();
      }
    };

    it(
      'answers nothing for refs never recorded',
      withOwners(async (owners) => {
        assert.equal((await owners.get(['docker.io/library/busybox:latest'])).size, 0);
        assert.equal((await owners.get([])).size, 0);
        assert.equal((await owners.list()).size, 0);
      }),
    );

    it(
      'records, reads back in one batch, and replaces a record',
      withOwners(async (owners) => {
        await owners.record(REFS[0]!, rec('alice', 'build'));
        await owners.record(REFS[1]!, rec('bob', 'pull', ID_B));
        const got = await owners.get([REFS[0]!, REFS[1]!, 'docker.io/library/missing:latest']);
        assert.deepEqual(
          [...got].sort(([a], [b]) => a.localeCompare(b)),
          (
            [
              [REFS[0]!, rec('alice', 'build')],
              [REFS[1]!, rec('bob', 'pull', ID_B)],
            ] as [string, ImageTagRecord][]
          ).sort(([a], [b]) => a.localeCompare(b)),
        );
        await owners.record(REFS[0]!, rec('bob', 'tag', ID_B));
        assert.deepEqual((await owners.get([REFS[0]!])).get(REFS[0]!), rec('bob', 'tag', ID_B));
      }),
    );

    it(
      'keeps references with ports, digests and nested paths apart',
      withOwners(async (owners) => {
        for (const [i, ref] of REFS.entries()) await owners.record(ref, rec(`user${i}`, 'load'));
        const listed = await owners.list();
        assert.deepEqual([...listed.keys()].sort(), [...REFS].sort());
        for (const [i, ref] of REFS.entries()) assert.equal(listed.get(ref)?.owner, `user${i}`);
        // A prefix of a ref is another ref, not a match.
        assert.equal((await owners.get(['localhost:5000/team/app/web:1'])).size, 0);
      }),
    );

    it(
      'forgets records, ignoring refs without one',
      withOwners(async (owners) => {
        await owners.record(REFS[0]!, rec('alice', 'build'));
        await owners.record(REFS[1]!, rec('alice', 'commit'));
        await owners.forget([REFS[0]!, 'docker.io/library/never:latest']);
        assert.deepEqual([...(await owners.list()).keys()], [REFS[1]]);
        await owners.forget([]);
        await owners.forget([REFS[1]!]);
        assert.equal((await owners.list()).size, 0);
      }),
    );

    it(
      'lists a few hundred records in one call',
      withOwners(async (owners) => {
        const refs = Array.from({ length: 300 }, (_, i) => `docker.io/alice/app:${i}`);
        for (const ref of refs) await owners.record(ref, rec('alice', 'tag'));
        assert.equal((await owners.list()).size, 300);
        assert.equal((await owners.get(refs.slice(0, 150))).size, 150);
      }),
    );

    it(
      'hands out copies: changing a returned record changes nothing stored',
      withOwners(async (owners) => {
        await owners.record(REFS[0]!, rec('alice', 'build'));
        const got = (await owners.get([REFS[0]!])).get(REFS[0]!) as { owner: string };
        got.owner = 'mallory';
        assert.equal((await owners.get([REFS[0]!])).get(REFS[0]!)?.owner, 'alice');
      }),
    );
  });
}
