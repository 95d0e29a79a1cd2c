// The image ownership rule as a table: caller, the tag's current record, action → allowed or the refusal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyCaller } from './caller.js';
import type { ImageSource, ImageTagRecord } from './image-owners.js';
import { currentRecord, maySeeTag, overwriteRefusal, removeRefusal } from './image-rules.js';

const caller = (name: string, admin = false): ProxyCaller => ({
  name,
  admin,
  defaultCollection: `/Shared/Private/${name}`,
  remoteAddress: '',
  credential: `test:${name}`,
  stillValid: () => Promise.resolve(true),
});
const ALICE = caller('alice');
const BOB = caller('bob');
const ADMIN = caller('admin', true);
const IMAGE = `sha256:${'a'.repeat(64)}`;
const rec = (owner: string, source: ImageSource): ImageTagRecord => ({
  owner,
  source,
  at: '2026-01-01T00:00:00.000Z',
  image: IMAGE,
});
const REF = 'docker.io/alice/app:1';

type Action = 'see' | ImageSource | `remove${'' | ' (1 other container)'}`;
type Row = [who: ProxyCaller, record: ImageTagRecord | undefined, action: Action, expected: true | RegExp];

const ROWS: Row[] = [
  // Seeing
  [BOB, undefined, 'see', true],
  [BOB, rec('alice', 'pull'), 'see', true],
  [BOB, rec('alice', 'build'), 'see', /hidden/],
  [ALICE, rec('alice', 'build'), 'see', true],
  [ADMIN, rec('alice', 'commit'), 'see', true],
  // Replacing a tag that exists
  [ALICE, rec('alice', 'build'), 'tag', true],
  [ALICE, rec('alice', 'load'), 'build', true],
  [
    BOB,
    rec('alice', 'build'),
    'tag',
    /^the tag alice\/app:1 belongs to alice: tag your image under another name$/,
  ],
  [BOB, rec('alice', 'import'), 'commit', /belongs to alice: commit your image under another name/],
  [
    BOB,
    undefined,
    'tag',
    /^the tag alice\/app:1 is shared \(made by an administrator\): replacing it would change what everyone runs; tag your image under another name$/,
  ],
  [
    BOB,
    rec('alice', 'pull'),
    'load',
    /is shared \(pulled by alice\): replacing it would change what everyone runs; load your image/,
  ],
  [ALICE, rec('alice', 'pull'), 'build', /is shared \(pulled by alice\)/],
  [BOB, undefined, 'pull', true],
  [BOB, rec('alice', 'pull'), 'pull', true],
  [ALICE, rec('alice', 'tag'), 'pull', true],
  [
    BOB,
    rec('alice', 'tag'),
    'pull',
    /^the tag alice\/app:1 belongs to alice: a pull may not replace another user's image/,
  ],
  [ADMIN, rec('alice', 'build'), 'tag', true],
  [ADMIN, undefined, 'load', true],
  // Removing
  [ALICE, rec('alice', 'build'), 'remove', true],
  [ALICE, rec('alice', 'build'), 'remove (1 other container)', true],
  [ALICE, rec('alice', 'pull'), 'remove', true],
  [
    ALICE,
    rec('alice', 'pull'),
    'remove (1 other container)',
    /shared and 1 container of other users runs its image/,
  ],
  [
    BOB,
    rec('alice', 'pull'),
    'remove',
    /^the tag alice\/app:1 is shared \(pulled by alice\): only alice or an administrator may remove it$/,
  ],
  [
    BOB,
    undefined,
    'remove',
    /^the tag alice\/app:1 is shared \(made by an administrator\): only an administrator may remove it$/,
  ],
  [BOB, rec('alice', 'build'), 'remove', /belongs to alice: only they or an administrator may remove it/],
  [ADMIN, undefined, 'remove (1 other container)', true],
];

function decideRow(who: ProxyCaller, record: ImageTagRecord | undefined, action: Action): string | undefined {
  if (action === 'see') return maySeeTag(who, record) ? undefined : 'hidden';
  if (action.startsWith('remove')) return removeRefusal(who, REF, record, action === 'remove' ? 0 : 1);
  return overwriteRefusal(who, REF, record, action as ImageSource);
}

describe('image ownership rule', () => {
  for (const [who, record, action, expected] of ROWS) {
    const name = `${who.name} ${action} a tag ${record ? `${record.source} by ${record.owner}` : 'without a record'}`;
    it(name, () => {
      const why = decideRow(who, record, action);
      if (expected === true) assert.equal(why, undefined);
      else assert.match(why ?? 'allowed', expected);
    });
  }

  it('holds a record only while the tag names the image it was written for', () => {
    assert.deepEqual(currentRecord(rec('alice', 'build'), IMAGE), rec('alice', 'build'));
    assert.equal(currentRecord(rec('alice', 'build'), `sha256:${'b'.repeat(64)}`), undefined);
    assert.equal(currentRecord(rec('alice', 'build'), undefined), undefined);
    assert.equal(currentRecord(undefined, IMAGE), undefined);
  });
});
