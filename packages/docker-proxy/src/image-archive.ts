/**
 * `docker load` through the proxy: the archive flows to the engine while the proxy reads the names it
 * will tag (manifest.json's RepoTags; the legacy `repositories` file; an OCI index's image names), and
 * checks them before the engine has the whole archive. The engine unpacks the entire archive before it
 * tags anything, and every chunk is passed on only after the tags completed in it were checked, so a
 * refused archive never reaches its end: the request is cut and nothing is loaded.
 *
 * Plain and gzip-compressed archives are read (as the engine detects them, by their first bytes); other
 * compressions, and archives the scanner cannot follow exactly (tar-scan.ts), are refused.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { constants, createGunzip, type Gunzip } from 'node:zlib';
import { matchesField } from './canonical/index.js';
import { parseImageRef } from './image-refs.js';
import { forbidden } from './refusals.js';
import { TarError, TarScanner, type TarFile } from './tar-scan.js';

export interface ArchiveTag {
  /** The normalized tag the engine will set. */
  readonly ref: string;
  /** The image id it will name, when the archive says (manifest.json's Config). */
  readonly image?: string;
}

const META = new Set(['manifest.json', 'repositories', 'index.json']);
const GZIP = [0x1f, 0x8b, 0x08];
const OTHER_COMPRESSIONS: readonly (readonly number[])[] = [
  [0x42, 0x5a, 0x68], // bzip2
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
];
const HEAD = 6;

const startsWith = (b: Buffer, magic: readonly number[]) => magic.every((m, i) => b[i] === m);

function unreadable(what: string) {
  return forbidden(
    `the archive holds ${what}, which Stevedore does not read: load a plain docker save archive`,
  );
}

/** Every value of the keys Go would match to `field` (case-insensitive), strings only. */
function fieldValues(object: unknown, field: string): unknown[] {
  if (!object || typeof object !== 'object' || Array.isArray(object)) return [];
  return Object.entries(object as Record<string, unknown>)
    .filter(([k]) => matchesField(k, field))
    .map(([, v]) => v);
}

function tagOf(name: unknown): string {
  const parsed = typeof name === 'string' ? parseImageRef(name) : undefined;
  if (parsed?.kind !== 'tag') throw unreadable(`the tag ${JSON.stringify(name)}`);
  return parsed.ref;
}

/** The tags an archive's metadata file will make. */
export function tagsOfMetaFile(file: TarFile): ArchiveTag[] {
  let value: unknown;
  try {
    value = JSON.parse(file.data.toString('utf8'));
  } catch {
    throw unreadable(`a ${file.name} that is not JSON`);
  }
  const base = file.name.slice(file.name.lastIndexOf('/') + 1);
  const out: ArchiveTag[] = [];
  if (base === 'manifest.json') {
    for (const entry of Array.isArray(value) ? value : []) {
      const config = fieldValues(entry, 'Config').find((c): c is string => typeof c === 'string');
      const hex = config ? /([a-f0-9]{64})(?:\.json)?$/.exec(config)?.[1] : undefined;
      for (const tags of fieldValues(entry, 'RepoTags'))
        for (const tag of Array.isArray(tags) ? tags : [])
          out.push({ ref: tagOf(tag), ...(hex ? { image: `sha256:${hex}` } : {}) });
    }
  } else if (base === 'repositories') {
    for (const [repo, tags] of Object.entries(value && typeof value === 'object' ? value : {}))
      for (const tag of Object.keys(tags && typeof tags === 'object' ? (tags as object) : {}))
        out.push({ ref: tagOf(`${repo}:${tag}`) });
  } else {
    for (const manifests of fieldValues(value, 'manifests'))
      for (const m of Array.isArray(manifests) ? manifests : [])
        for (const annotations of fieldValues(m, 'annotations'))
          for (const [k, v] of Object.entries(
            annotations && typeof annotations === 'object' ? annotations : {},
          ))
            if (k === 'io.containerd.image.name') out.push({ ref: tagOf(v) });
  }
  return out;
}

/** A pass-through of the archive that calls `check` with the tags it will make, before passing them on. */
export function archiveWatch(check: (tags: readonly ArchiveTag[]) => Promise<void>): Transform {
  const scanner = new TarScanner((base) => META.has(base));
  let head: Buffer | undefined = Buffer.alloc(0);
  let gunzip: Gunzip | undefined;
  const inflated: Buffer[] = [];
  let inflateError: Error | undefined;

  const scan = async (bytes: Buffer) => {
    if (scanner.ended || bytes.length === 0) return;
    try {
      scanner.feed(bytes);
    } catch (err) {
      if (err instanceof TarError) throw unreadable(err.message);
      throw err;
    }
    const tags = scanner.take().flatMap(tagsOfMetaFile);
    if (tags.length > 0) await check(tags);
  };
  /** What gzip gives for the bytes written so far (a sync flush makes it give all it can). */
  const inflate = (chunk: Buffer | undefined): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const z = gunzip!;
      const done = () => {
        if (inflateError) reject(unreadable('gzip data that does not decompress'));
        else resolve(Buffer.concat(inflated.splice(0)));
      };
      if (chunk === undefined) {
        z.once('end', done);
        z.once('error', done);
        z.end();
        return;
      }
      // A gzip error may leave the flush unanswered: the error settles it too.
      z.once('error', done);
      z.write(chunk);
      z.flush(constants.Z_SYNC_FLUSH, () => {
        z.off('error', done);
        done();
      });
    });
  const start = (bytes: Buffer) => {
    if (OTHER_COMPRESSIONS.some((m) => startsWith(bytes, m)))
      throw unreadable('bzip2, xz or zstd compression (gzip is read)');
    if (startsWith(bytes, GZIP)) {
      gunzip = createGunzip();
      gunzip.on('data', (c: Buffer) => inflated.push(c));
      gunzip.on('error', (err) => (inflateError = err));
    }
  };
  const pass = async (bytes: Buffer) => {
    if (head !== undefined) {
      head = Buffer.concat([head, bytes]);
      if (head.length < HEAD) return undefined;
      bytes = head;
      head = undefined;
      start(bytes);
    }
    await scan(gunzip ? await inflate(bytes) : bytes);
    return bytes;
  };

  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      pass(chunk).then((bytes) => done(null, bytes), done);
    },
    flush(done: TransformCallback) {
      (async () => {
        if (head !== undefined && head.length > 0) {
          const bytes = head;
          head = undefined;
          start(bytes);
          await scan(gunzip ? await inflate(bytes) : bytes);
          this.push(bytes);
        }
        if (gunzip) await scan(await inflate(undefined));
      })().then(() => done(), done);
    },
  });
}
