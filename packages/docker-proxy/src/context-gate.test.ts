import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import {
  buildContextGate,
  createTarGate,
  dockerfileEntryNames,
  dockerfilePaths,
  type TarContents,
} from './context-gate.js';
import { EngineRefusal, forbidden } from './refusals.js';

interface Spec {
  readonly name: string;
  readonly data?: string | Buffer;
  readonly type?: 'file' | 'symlink' | 'link' | 'directory';
  readonly linkname?: string;
}

async function tarOf(entries: readonly Spec[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}) };
    if (header.type === 'file') p.entry(header, e.data ?? '');
    else p.entry(header);
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Raw ustar header blocks, for archives tar-stream's packer will not write. */
function header(name: string, type: string, size: number, linkname = ''): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 'latin1');
  b.write('0000644\0', 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  b.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  b.write('00000000000\0', 136);
  b.write(type, 156, 'latin1');
  b.write(linkname, 157, 'latin1');
  b.write('ustar\0' + '00', 257, 'latin1');
  b.fill(0x20, 148, 156);
  const sum = b.reduce((n, c) => n + c, 0);
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}
const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const file = (name: string, data: string) => [header(name, '0', data.length), padded(Buffer.from(data))];
const pax = (records: string) => [header('pax', 'x', records.length), padded(Buffer.from(records))];
const END = Buffer.alloc(1024);

function split(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** Runs chunks through a gate; the output is what the engine would have been sent. */
async function run(gate: Writable & Readable, chunks: readonly Buffer[]) {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      out.push(chunk);
      cb();
    },
  });
  let error: unknown;
  await pipeline(Readable.from(chunks), gate, sink).catch((err: unknown) => (error = err));
  return { out: Buffer.concat(out), error };
}

function gateSeeing(
  seen: TarContents[],
  wanted: (name: string) => boolean = (n) => n === 'Dockerfile',
  refuse = false,
) {
  return createTarGate({
    wanted,
    maxEntryBytes: 1024,
    check: (contents) => {
      seen.push(contents);
      return refuse ? Promise.reject(forbidden('no')) : Promise.resolve();
    },
  });
}

const DOCKERFILE = 'FROM scratch\nCOPY a /a\n';
const filler = Array.from({ length: 30 }, (_, i) => ({ name: `src/f${i}.txt`, data: 'x'.repeat(i * 97) }));

describe('tar gate', () => {
  it('passes every byte on unchanged, and finds the Dockerfile in the last entry, whatever the chunks', async () => {
    const tar = await tarOf([...filler, { name: 'Dockerfile', data: DOCKERFILE }]);
    for (const size of [tar.length, 4096, 512, 100, 7]) {
      const seen: TarContents[] = [];
      const { out, error } = await run(gateSeeing(seen), split(tar, size));
      assert.equal(error, undefined);
      assert.ok(out.equals(tar), `chunks of ${size}`);
      assert.equal(seen.length, 1);
      assert.deepEqual(
        seen[0]!.entries.map((e) => [e.name, e.type, e.data?.toString()]),
        [['Dockerfile', 'file', DOCKERFILE]],
      );
    }
  });

  it('reads the Dockerfile when it arrives in one chunk with the end of the archive', async () => {
    const tar = await tarOf([...filler, { name: './Dockerfile', data: DOCKERFILE }]);
    const last = tar.length - 1024 - 1024; // the Dockerfile's header, data block, and the end
    const seen: TarContents[] = [];
    const { out } = await run(gateSeeing(seen), [tar.subarray(0, last), tar.subarray(last)]);
    assert.ok(out.equals(tar));
    assert.equal(seen[0]!.entries[0]!.data?.toString(), DOCKERFILE);
  });

  it('holds the end of the archive until the check resolves, and never releases it on a refusal', async () => {
    const tar = await tarOf([...filler, { name: 'Dockerfile', data: DOCKERFILE }]);
    for (const refuse of [false, true]) {
      let release!: () => void;
      const passedWhileChecking: number[] = [];
      const out: Buffer[] = [];
      const gate = createTarGate({
        wanted: (n) => n === 'Dockerfile',
        maxEntryBytes: 1024,
        check: async () => {
          await new Promise<void>((r) => (release = r));
          passedWhileChecking.push(Buffer.concat(out).length);
          if (refuse) throw forbidden('the Dockerfile fetches from loopback');
        },
      });
      gate.on('data', (c: Buffer) => out.push(c));
      const done = new Promise<unknown>((resolve) => {
        gate.on('error', resolve);
        gate.on('end', () => resolve(undefined));
      });
      for (const chunk of split(tar, 1000)) gate.write(chunk);
      gate.end();
      await new Promise((r) => setTimeout(r, 50));
      release();
      const error = await done;
      // The engine was never given the end-of-archive block while the check ran.
      assert.ok(passedWhileChecking[0]! <= tar.length - 1024, `${passedWhileChecking[0]} of ${tar.length}`);
      if (refuse) {
        assert.ok(error instanceof EngineRefusal && /loopback/.test(error.message));
        assert.ok(Buffer.concat(out).length <= tar.length - 1024);
      } else assert.ok(Buffer.concat(out).equals(tar));
    }
  });

  it('reads gzip archives as they stream, passing the compressed bytes on unchanged', async () => {
    const tar = await tarOf([...filler, { name: 'Dockerfile', data: DOCKERFILE }]);
    const gz = gzipSync(tar);
    for (const size of [gz.length, 333, 17]) {
      const seen: TarContents[] = [];
      const { out, error } = await run(gateSeeing(seen), split(gz, size));
      assert.equal(error, undefined);
      assert.ok(out.equals(gz));
      assert.equal(seen[0]!.compression, 'gzip');
      assert.equal(seen[0]!.entries[0]!.data?.toString(), DOCKERFILE);
    }
    const { out, error } = await run(gateSeeing([], undefined, true), split(gz, 100));
    assert.ok(error instanceof EngineRefusal);
    assert.ok(out.length < gz.length);
  });

  it('refuses bzip2, xz and zstd archives, and truncated ones', async () => {
    for (const [magic, name] of [
      [[0x42, 0x5a, 0x68, 0x39, 0x31, 0x41], 'bzip2'],
      [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz'],
      [[0x28, 0xb5, 0x2f, 0xfd, 0, 0], 'zstd'],
    ] as const) {
      const { out, error } = await run(gateSeeing([]), [Buffer.from(magic), Buffer.alloc(4096)]);
      assert.ok(
        error instanceof EngineRefusal && error.message.includes(`${name}-compressed`),
        String(error),
      );
      assert.equal(out.length, 0);
    }
    const tar = await tarOf([
      { name: 'Dockerfile', data: DOCKERFILE },
      { name: 'big', data: 'y'.repeat(5000) },
    ]);
    const { error } = await run(gateSeeing([]), [tar.subarray(0, 2048)]);
    assert.ok(error instanceof EngineRefusal && /ends inside an entry/.test(error.message), String(error));
    const { error: gzError } = await run(gateSeeing([]), [gzipSync(tar).subarray(0, 60)]);
    assert.ok(gzError instanceof EngineRefusal, String(gzError));
  });

  it('accepts an archive that ends between entries without an end block', async () => {
    const tar = await tarOf([{ name: 'Dockerfile', data: DOCKERFILE }]);
    const seen: TarContents[] = [];
    const { out, error } = await run(gateSeeing(seen), [tar.subarray(0, tar.length - 1024)]);
    assert.equal(error, undefined);
    assert.equal(out.length, tar.length - 1024);
    assert.equal(seen[0]!.entries.length, 1);
  });

  it("stops where Go's reader stops: entries after a zero block are not the engine's", async () => {
    const tar = Buffer.concat([
      ...file('Dockerfile', DOCKERFILE),
      Buffer.alloc(512),
      ...file('Dockerfile', 'ADD x'),
      END,
    ]);
    const seen: TarContents[] = [];
    const { out } = await run(gateSeeing(seen), split(tar, 300));
    assert.ok(out.equals(tar));
    assert.deepEqual(
      seen[0]!.entries.map((e) => e.data?.toString()),
      [DOCKERFILE],
    );
  });

  it('names entries as Go does where tar-stream would not: a GNU long name wins over a PAX path', async () => {
    const tar = Buffer.concat([
      header('././@LongLink', 'L', 11),
      padded(Buffer.from('Dockerfile\0')),
      ...pax('21 path=harmless.txt\n'),
      ...file('other', 'EVIL'),
      END,
    ]);
    const seen: TarContents[] = [];
    await run(gateSeeing(seen), [tar]);
    assert.deepEqual(
      seen[0]!.entries.map((e) => [e.name, e.data?.toString()]),
      [['Dockerfile', 'EVIL']],
    );
  });

  it('refuses what the two readers frame differently, and sparse files', async () => {
    // Go gives a symlink no data whatever its size field says; tar-stream would read the next header as data.
    const link = Buffer.concat([header('l', '2', 512, 'x'), ...file('Dockerfile', DOCKERFILE), END]);
    const global = Buffer.concat([
      header('g', 'g', 13),
      padded(Buffer.from('13 size=512\n\0')),
      ...file('a', 'b'),
      END,
    ]);
    const sparse = Buffer.concat([header('s', 'S', 0), END]);
    for (const tar of [link, sparse]) {
      const { out, error } = await run(gateSeeing([]), [tar]);
      assert.ok(error instanceof EngineRefusal && /cannot read exactly/.test(error.message), String(error));
      assert.ok(out.length < tar.length - 1024);
    }
    const { error } = await run(gateSeeing([]), [global]);
    assert.ok(error instanceof EngineRefusal, String(error));
  });

  it('follows the symlinks the archive makes, as the engine unpacks it', async () => {
    const tar = await tarOf([
      { name: 'here', type: 'symlink', linkname: '.' },
      { name: 'here/Dockerfile', data: 'FROM evil' },
      { name: 'sub', type: 'symlink', linkname: '/other' },
      { name: 'other/Dockerfile', data: 'FROM other' },
    ]);
    const seen: TarContents[] = [];
    await run(
      gateSeeing(seen, (n) => n.endsWith('Dockerfile')),
      [tar],
    );
    const contents = seen[0]!;
    assert.deepEqual(
      contents.entries.map((e) => [e.name, e.data?.toString()]),
      [
        ['Dockerfile', 'FROM evil'],
        ['other/Dockerfile', 'FROM other'],
      ],
    );
    assert.equal(contents.resolve('sub/Dockerfile'), 'other/Dockerfile');
    assert.equal(contents.resolve('here/../x'), 'x');
  });

  for (const compressed of [false, true]) {
    it(`keeps memory flat over a 200 MB context${compressed ? ', gzipped' : ''}`, async () => {
      const total = 200 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      function* context() {
        yield Buffer.concat(file('Dockerfile', DOCKERFILE));
        yield header('big.bin', '0', total);
        for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
        yield END;
      }
      let passed = 0;
      const sink = new Writable({
        write(c: Buffer, _e, cb) {
          passed += c.length;
          cb();
        },
      });
      const seen: TarContents[] = [];
      const before = process.memoryUsage().rss;
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      const started = Date.now();
      const source = Readable.from(context());
      await (compressed
        ? pipeline(source, createGzip({ level: 1 }), gateSeeing(seen), sink)
        : pipeline(source, gateSeeing(seen), sink));
      clearInterval(timer);
      const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `200 MB context${compressed ? ' (gzip)' : ''}: rss ${mb(before)} MB before, ${mb(peak)} MB at peak (+${mb(peak - before)}), ${(200 / seconds).toFixed(0)} MB/s`,
      );
      if (!compressed) assert.equal(passed, total + 512 + 1024 + 1024);
      assert.equal(seen[0]!.entries[0]!.data?.toString(), DOCKERFILE);
      assert.ok(peak - before < 100 * 1024 * 1024, `rss grew ${mb(peak - before)} MB`);
    });
  }
});

describe('build contexts', () => {
  it('looks for the Dockerfile where the legacy builder does', () => {
    assert.deepEqual(dockerfilePaths(null), ['Dockerfile', 'dockerfile']);
    assert.deepEqual(dockerfilePaths('Dockerfile'), ['Dockerfile', 'dockerfile']);
    assert.deepEqual(dockerfilePaths('./Dockerfile'), ['Dockerfile']);
    assert.deepEqual(dockerfilePaths('a/../Dockerfile'), ['Dockerfile']);
    assert.deepEqual(dockerfilePaths('/build/Dockerfile.prod'), ['build/Dockerfile.prod']);
    assert.deepEqual(dockerfilePaths('dir/Döckerfile'), [Buffer.from('dir/Döckerfile').toString('latin1')]);
    assert.throws(() => dockerfilePaths('../Dockerfile'), EngineRefusal);
    assert.throws(() => dockerfilePaths('/../x'), EngineRefusal);
    const wanted = dockerfileEntryNames(null);
    assert.ok(wanted('Dockerfile') && wanted('dockerfile') && !wanted('src/Dockerfile'));
  });

  const fakeResolve = (host: string) =>
    host === 'example.com' ? Promise.resolve(['93.184.215.14']) : Promise.reject(new Error('ENOTFOUND'));

  async function build(entries: readonly Spec[], dockerfile: string | null = null, buildArgs = {}) {
    const gate = buildContextGate({ dockerfile, buildArgs, resolve: fakeResolve });
    return run(gate, [await tarOf(entries)]);
  }

  it('refuses a Dockerfile that fetches from the host, and lets a public fetch through', async () => {
    const ok = await build([{ name: 'Dockerfile', data: 'FROM scratch\nADD https://example.com/x /x\n' }]);
    assert.equal(ok.error, undefined);
    for (const [entries, dockerfile, message] of [
      [
        [{ name: 'Dockerfile', data: 'FROM scratch\nADD http://127.0.0.1:9/x /x\n' }],
        null,
        /resolves to 127\.0\.0\.1/,
      ],
      [[{ name: 'dockerfile', data: 'FROM scratch\nADD http://[::1]/x /x\n' }], null, /a loopback address/],
      [[{ name: 'ci/Dockerfile', data: 'FROM busybox\nARG U\nADD $U /x' }], 'ci/Dockerfile', /cannot know/],
      [[{ name: 'Dockerfile', type: 'symlink', linkname: '/etc/x' }], null, /is a symbolic link/],
      [
        [
          { name: 'Dockerfile', data: 'FROM a' },
          { name: 'Dockerfile', data: 'FROM b' },
        ],
        null,
        /2 times/,
      ],
      [
        [
          { name: 'd', type: 'symlink', linkname: 'e' },
          { name: 'e/Dockerfile', data: 'FROM x' },
        ],
        'd/Dockerfile',
        /through a symbolic link/,
      ],
      [[{ name: 'README', data: 'hi' }], null, /no Dockerfile at Dockerfile/],
    ] as const) {
      const { error } = await build(entries, dockerfile);
      assert.ok(
        error instanceof EngineRefusal && message.test(error.message),
        `${String(error)} vs ${message}`,
      );
    }
  });

  it('hands the images stages start FROM to checkBases', async () => {
    const bases: string[][] = [];
    const gate = buildContextGate({
      dockerfile: null,
      buildArgs: { TAG: '3' },
      resolve: fakeResolve,
      checkBases: (b) => {
        bases.push(b);
        return Promise.resolve();
      },
    });
    await run(gate, [await tarOf([{ name: 'Dockerfile', data: 'ARG TAG\nFROM alpine:$TAG\n' }])]);
    assert.deepEqual(bases, [['alpine:3']]);
  });
});
