// `docker load` archives read as they flow: the tags they will make, checked before the archive's end
// reaches the engine; what the scanner cannot follow exactly is refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { archiveWatch, type ArchiveTag } from './image-archive.js';
import { EngineRefusal } from './refusals.js';
import { cleanName, TarScanner } from './tar-scan.js';

interface Entry {
  name: string;
  data?: string | Buffer;
  type?: string;
  linkname?: string;
  /** ustar prefix field */
  prefix?: string;
  /** header size field, when it should differ from the data's length */
  size?: number;
}

/** A ustar archive, as Go's writer makes one. */
function tar(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${(e.size ?? data.length).toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write(e.type ?? '0', 156);
    if (e.linkname) h.write(e.linkname, 157, 100);
    h.write('ustar\0', 257);
    h.write('00', 263);
    if (e.prefix) h.write(e.prefix, 345, 155);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h);
    const body = e.type && '12345'.includes(e.type) ? Buffer.alloc(0) : data;
    blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const pax = (records: Record<string, string>) =>
  Object.entries(records)
    .map(([k, v]) => {
      const body = ` ${k}=${v}\n`;
      let len = body.length + 1;
      while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
      return `${len}${body}`;
    })
    .join('');

const manifest = (tags: string[], config = 'a'.repeat(64)) =>
  JSON.stringify([{ Config: `${config}.json`, RepoTags: tags, Layers: ['l/layer.tar'] }]);

const layer = { name: 'l/layer.tar', data: Buffer.alloc(3000, 7) };

/** Runs `archive` through the watcher in `chunk`-byte pieces; what passed, and the tags checked. */
async function load(archive: Buffer, chunk: number, refuse?: (tags: readonly ArchiveTag[]) => boolean) {
  const checked: ArchiveTag[] = [];
  let passed = 0;
  const pieces: Buffer[] = [];
  for (let i = 0; i < archive.length; i += chunk) pieces.push(archive.subarray(i, i + chunk));
  const sink = new Writable({
    write(c: Buffer, _e, done) {
      passed += c.length;
      done();
    },
  });
  const watch = archiveWatch(async (tags) => {
    checked.push(...tags);
    await new Promise((r) => setTimeout(r, 1));
    if (refuse?.(tags)) throw new EngineRefusal(403, `refused ${tags.map((t) => t.ref).join()}`);
  });
  const error = await pipeline(Readable.from(pieces), watch, sink).then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  return { checked, passed, error };
}

describe('docker load archives', () => {
  it('finds the tags of manifest.json and repositories, with the image each will name', async () => {
    const archive = tar([
      layer,
      { name: 'manifest.json', data: manifest(['alice/app:1', 'busybox']) },
      { name: 'repositories', data: JSON.stringify({ 'alice/app': { '1': 'x' } }) },
    ]);
    const { checked, passed, error } = await load(archive, 700);
    assert.equal(error, undefined);
    assert.equal(passed, archive.length);
    assert.deepEqual(checked, [
      { ref: 'docker.io/alice/app:1', image: `sha256:${'a'.repeat(64)}` },
      { ref: 'docker.io/library/busybox:latest', image: `sha256:${'a'.repeat(64)}` },
      { ref: 'docker.io/alice/app:1' },
    ]);
  });

  for (const [label, archive] of [
    ['plain', tar([layer, { name: 'manifest.json', data: manifest(['victim/app:1']) }])],
    ['gzip', gzipSync(tar([layer, { name: 'manifest.json', data: manifest(['victim/app:1']) }]))],
  ] as const) {
    for (const chunk of [1, 7, 512, 100_000]) {
      it(`cuts a refused ${label} archive before its end, in ${chunk}-byte chunks`, async () => {
        const { error, passed } = await load(archive, chunk, () => true);
        assert.ok(
          error instanceof EngineRefusal && /refused docker.io\/victim\/app:1/.test(error.message),
          String(error),
        );
        assert.ok(passed < archive.length, `${passed} of ${archive.length} bytes passed`);
      });
    }
  }

  it('reads names as the engine does: prefixes, PAX paths and sizes, GNU long names, cleaned paths', async () => {
    const long = `${'d/'.repeat(60)}../`.repeat(1);
    const archive = tar([
      { name: 'manifest.json', prefix: 'sub', data: manifest(['a/prefix:1']) },
      { name: 'PaxHeaders/x', type: 'x', data: pax({ path: 'manifest.json' }) },
      { name: 'innocent.txt', data: manifest(['a/pax:1']) },
      { name: '././@LongLink', type: 'L', data: `${long}manifest.json\0` },
      { name: 'short', data: manifest(['a/long:1']) },
      { name: 'dir/../manifest.json/.', data: manifest(['a/cleaned:1']) },
      // A symlink carries no data whatever its size says: what follows is the next header.
      { name: 'link', type: '2', linkname: 'x', size: 1024 },
      { name: 'manifest.json', data: manifest(['a/after-link:1']) },
    ]);
    const { checked, error } = await load(archive, 300);
    assert.equal(error, undefined, error?.message);
    assert.deepEqual(
      checked.map((t) => t.ref),
      [
        'docker.io/a/prefix:1',
        'docker.io/a/pax:1',
        'docker.io/a/long:1',
        'docker.io/a/cleaned:1',
        'docker.io/a/after-link:1',
      ],
    );
  });

  const refusals: [string, Buffer, RegExp][] = [
    [
      'a symlink named manifest.json',
      tar([{ name: 'manifest.json', type: '2', linkname: 'evil.json' }]),
      /is not a regular file/,
    ],
    [
      'a hard link named manifest.json',
      tar([{ name: 'x/manifest.json', type: '1', linkname: 'evil.json' }]),
      /is not a regular file/,
    ],
    ['a sparse file', tar([{ name: 'f', type: 'S', data: 'x' }]), /a sparse file/],
    [
      'a PAX sparse file',
      tar([
        { name: 'p', type: 'x', data: pax({ 'GNU.sparse.major': '1' }) },
        { name: 'f', data: 'x' },
      ]),
      /a sparse file/,
    ],
    ['a bad checksum', Buffer.concat([Buffer.from('not a tar'), Buffer.alloc(1024 + 503, 1)]), /checksum/],
    [
      'xz compression',
      Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(600)]),
      /bzip2, xz or zstd/,
    ],
    [
      'a tag that does not parse',
      tar([{ name: 'manifest.json', data: manifest(['Bad Tag']) }]),
      /the tag "Bad Tag"/,
    ],
    ['a manifest that is not JSON', tar([{ name: 'manifest.json', data: '[{' }]), /not JSON/],
  ];
  for (const [label, archive, pattern] of refusals) {
    it(`refuses ${label}`, async () => {
      const { error } = await load(archive, 512);
      assert.ok(error instanceof EngineRefusal, String(error));
      assert.equal(error.status, 403);
      assert.match(error.message, pattern);
    });
  }

  it('matches manifest fields as Go does (case-insensitively) and stops at the end of the archive', async () => {
    const data = JSON.stringify([
      { config: `${'b'.repeat(64)}.json`, REPOTAGS: ['a/upper:1'], repoTagſ: ['a/fold:1'] },
    ]);
    const archive = Buffer.concat([
      tar([{ name: 'manifest.json', data }]),
      tar([{ name: 'manifest.json', data: manifest(['a/ignored:1']) }]),
    ]);
    const { checked } = await load(archive, 512);
    assert.deepEqual(checked.map((t) => t.ref).sort(), ['docker.io/a/fold:1', 'docker.io/a/upper:1']);
  });

  it('cleans paths as Go does', () => {
    assert.equal(cleanName('./a/../b/./c/'), 'b/c');
    assert.equal(cleanName('../x'), '../x');
    assert.equal(cleanName('/../x'), '/x');
    assert.equal(cleanName(''), '.');
    const scanner = new TarScanner(() => false);
    scanner.feed(Buffer.alloc(512));
    assert.ok(scanner.ended);
  });
});
