/**
 * A gate for request bodies that are tar archives the engine unpacks (build contexts, `POST /images/load`
 * image archives): the bytes reach the engine unchanged, while the gate reads the entries a check needs
 * (a Dockerfile, `manifest.json`) and holds the end of the archive until the check has passed.
 *
 * Invariants:
 * - No byte goes on before both readers have consumed it: the framing that follows Go's archive/tar
 *   (tar-framing.ts) and tar-stream, which must agree on where every entry starts, or the archive is
 *   refused (two readers that disagree mean the engine's could disagree with the check).
 * - The engine never sees the end of the archive before the decision: everything from the first zero
 *   block (where Go's reader stops) is held, and so are the last TAIL bytes received and the end of the
 *   stream, so neither a chunked nor a Content-Length body can complete. If the check throws, the
 *   Transform errors with its EngineRefusal and the held bytes are never released: the caller must then
 *   destroy the engine request (stream.pipeline does), never end it.
 * - Memory stays flat: only wanted entries are kept, each up to maxEntryBytes; the next chunk is not
 *   read while one is being decided.
 * - Names are where the engine's chrooted unpacking puts an entry: cleaned, `..` stopping at the root,
 *   and parent directories followed through the symlinks the archive made earlier; byte strings (latin1).
 * - Plain and gzip archives are read (the engine detects compression by magic bytes, as here). bzip2, xz
 *   and zstd are refused: Node has no streaming decoder for them, and an archive the proxy cannot read
 *   could hold anything. The docker CLI sends contexts uncompressed.
 */
import { posix } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { constants, createGunzip, type Gunzip } from 'node:zlib';
import { extract, type Extract } from 'tar-stream';
import { fetchedSources, type BuildArgs } from './dockerfile-urls.js';
import { EngineRefusal, forbidden } from './refusals.js';
import { checkFetchedUrl, systemResolve, type Resolve } from './remote-url.js';
import { GoTarFraming, TarFormatError, type FramedEntry } from './tar-framing.js';
import { Unpacked } from './tar-unpack.js';

export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';
export interface TarEntry {
  readonly name: string;
  readonly type: EntryType;
  readonly linkname: string;
  readonly size: number;
  /** A file's content; undefined when it is larger than maxEntryBytes. */
  readonly data?: Buffer;
}
export interface TarContents {
  readonly compression: 'none' | 'gzip';
  /** Every wanted entry in archive order: a name the archive holds twice is here twice. */
  readonly entries: readonly TarEntry[];
  /** Where `path` leads once the archive is extracted (symlinks followed); undefined when links loop. */
  resolve(path: string): string | undefined;
}
export interface TarGateOptions {
  /** Whether the check needs the entry the engine extracts at `name` (a byte string). */
  wanted(name: string): boolean;
  maxEntryBytes: number;
  check(contents: TarContents): Promise<void>;
  /** What the archive is, for messages. */
  what?: string;
}

const TAIL = 1024;
const TYPES: Record<string, EntryType> = { '0': 'file', '5': 'directory', '2': 'symlink', '1': 'link' };
const OTHER_COMPRESSIONS: readonly [string, number[]][] = [
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

function startsWith(b: Buffer, magic: number[]): boolean {
  return b.length >= magic.length && magic.every((m, i) => b[i] === m);
}

class TarGate extends Transform {
  private readonly what: string;
  private phase: 'detect' | 'read' | 'deciding' | 'open' = 'detect';
  private compression: 'none' | 'gzip' = 'none';
  private readonly head: Buffer[] = [];
  private readonly held: Buffer[] = [];
  private received = 0;
  private passed = 0;
  private readonly unread: Buffer[] = [];
  private fedToReader = 0;
  private readonly unpacked = new Unpacked();
  private readonly entries: TarEntry[] = [];
  private capture: { entry: Omit<TarEntry, 'data'>; chunks: Buffer[] } | undefined;
  private readonly framing: GoTarFraming;
  private readonly reader: Extract;
  private readonly expected: number[] = [];
  private disagreement: string | undefined;
  private gunzip: Gunzip | undefined;
  private emitted = 0;
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly options: TarGateOptions) {
    super();
    this.what = options.what ?? 'the archive';
    this.framing = new GoTarFraming({
      entry: (e) => this.onEntry(e),
      data: (chunk) => this.capture?.chunks.push(Buffer.from(chunk)),
      dataEnd: () => this.endCapture(),
    });
    // Go reads V7 headers too; names are compared as bytes.
    const readerOptions = { allowUnknownFormat: true, filenameEncoding: 'latin1' };
    this.reader = extract(readerOptions as Parameters<typeof extract>[0]);
    this.reader.on('entry', (header, stream, next) => {
      const at = (header as typeof header & { byteOffset?: number }).byteOffset;
      const want = this.expected.shift();
      if (at !== want) this.disagreement ??= `an entry at byte ${want ?? at ?? '?'}`;
      stream.on('end', () => next());
      stream.resume();
    });
    this.reader.on('error', (err: Error) => (this.disagreement ??= err.message));
  }

  private onEntry(e: FramedEntry): boolean {
    this.expected.push(e.dataOffset);
    const name = this.unpacked.place(e, this.what);
    if (!this.options.wanted(name)) return false;
    const entry = { name, type: TYPES[e.type] ?? 'other', linkname: e.linkname, size: e.size };
    if (entry.type !== 'file' || e.size > this.options.maxEntryBytes) {
      this.entries.push(entry);
      return false;
    }
    this.capture = { entry, chunks: [] };
    return true;
  }

  private endCapture(): void {
    if (!this.capture) return;
    this.entries.push({ ...this.capture.entry, data: Buffer.concat(this.capture.chunks) });
    this.capture = undefined;
  }

  /**
   * Decompressed (or plain) bytes, to both readers. tar-stream is given only what the Go-rules framing has
   * consumed (never a partial header block, never the end block or anything after it).
   */
  private readPiece(piece: Buffer): boolean {
    if (this.framing.end !== undefined) return true;
    this.unread.push(piece);
    this.framing.feed(piece);
    let drained = true;
    while (this.fedToReader < this.framing.offset) {
      const first = this.unread[0]!;
      const n = Math.min(first.length, this.framing.offset - this.fedToReader);
      drained = this.reader.write(n === first.length ? first : first.subarray(0, n)) && drained;
      if (n === first.length) this.unread.shift();
      else this.unread[0] = first.subarray(n);
      this.fedToReader += n;
    }
    if (this.framing.end !== undefined) this.unread.length = 0;
    return drained;
  }

  private fail(err: unknown): void {
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    this.waiting?.();
  }

  private startGunzip(): Gunzip {
    // Z_SYNC_FLUSH: each written chunk's output comes out at once, so a raw chunk is passed on only
    // after everything the engine could inflate from it has been read here.
    const gunzip = createGunzip({ flush: constants.Z_SYNC_FLUSH });
    gunzip.on('data', (d: Buffer) => {
      this.emitted += d.length;
      try {
        if (!this.readPiece(d)) {
          gunzip.pause();
          this.reader.once('drain', () => gunzip.resume());
        }
      } catch (err) {
        this.fail(err);
      }
      this.waiting?.();
    });
    gunzip.on('error', (err) =>
      this.fail(forbidden(`${this.what} is not a valid gzip stream (${err.message})`)),
    );
    return gunzip;
  }

  private inflate(chunk: Buffer | undefined): Promise<void> {
    const gunzip = this.gunzip!;
    return new Promise((resolve, reject) => {
      const settle = (target: number) => {
        this.waiting = () => {
          if (this.failure !== undefined) reject(this.failure);
          else if (this.emitted >= target && (chunk !== undefined || gunzip.readableEnded)) resolve();
        };
        this.waiting();
      };
      if (chunk === undefined) {
        gunzip.once('end', () => this.waiting?.());
        gunzip.end(() => settle(this.emitted + gunzip.readableLength));
      } else gunzip.write(chunk, () => settle(this.emitted + gunzip.readableLength));
    });
  }

  private async consume(chunk: Buffer): Promise<void> {
    this.held.push(chunk);
    this.received += chunk.length;
    if (this.compression === 'gzip') await this.inflate(chunk);
    else if (!this.readPiece(chunk)) await new Promise<void>((r) => this.reader.once('drain', () => r()));
    this.waiting = undefined;
    if (this.failure !== undefined) throw this.failure;
    if (this.framing.end !== undefined) return this.decide();
    this.release(this.received - TAIL);
  }

  private release(upTo: number): void {
    while (this.held.length > 0 && this.passed < upTo) {
      const first = this.held[0]!;
      const n = Math.min(first.length, upTo - this.passed);
      this.push(n === first.length ? first : first.subarray(0, n));
      if (n === first.length) this.held.shift();
      else this.held[0] = first.subarray(n);
      this.passed += n;
    }
  }

  private async decide(): Promise<void> {
    this.phase = 'deciding';
    this.gunzip?.destroy();
    if (!this.reader.destroyed)
      await new Promise<void>((resolve) => {
        this.reader.once('close', resolve);
        this.reader.end(undefined);
      });
    if (this.disagreement !== undefined || this.expected.length > 0)
      throw new TarFormatError(`its readers disagree (${this.disagreement ?? 'on the number of entries'})`);
    this.endCapture();
    const unpacked = this.unpacked;
    await this.options.check({
      compression: this.compression,
      entries: this.entries,
      resolve: (path) => unpacked.resolve(path),
    });
    this.phase = 'open';
    this.release(Infinity);
  }

  private async step(chunk: Buffer): Promise<void> {
    if (this.phase === 'open') {
      this.push(chunk);
      return;
    }
    if (this.phase === 'detect') {
      this.head.push(chunk);
      if (this.head.reduce((n, b) => n + b.length, 0) < 6) return;
      chunk = this.detect();
    }
    await this.consume(chunk);
  }

  private detect(): Buffer {
    const first = Buffer.concat(this.head);
    this.phase = 'read';
    if (startsWith(first, [0x1f, 0x8b, 0x08])) {
      this.compression = 'gzip';
      this.gunzip = this.startGunzip();
    }
    const other = OTHER_COMPRESSIONS.find(([, magic]) => startsWith(first, magic));
    if (other)
      throw forbidden(
        `${this.what} is ${other[0]}-compressed: Stevedore reads only plain and gzip archives for you, and one it cannot read could hold anything; send it uncompressed (as the docker CLI does) or ask an administrator`,
      );
    return first;
  }

  private async finishArchive(): Promise<void> {
    if (this.phase === 'open') return;
    if (this.phase === 'detect') await this.consume(this.detect());
    if (this.isOpen()) return;
    if (this.gunzip) await this.inflate(undefined);
    if (this.failure !== undefined) throw this.failure;
    if (this.framing.end === undefined && !this.framing.atBoundary)
      throw new TarFormatError('it ends inside an entry');
    if (this.phase === 'read') await this.decide();
  }

  private isOpen(): boolean {
    return this.phase === 'open';
  }

  private refusal(err: unknown): Error {
    if (err instanceof EngineRefusal || !(err instanceof TarFormatError)) return err as Error;
    return forbidden(
      `${this.what} is an archive Stevedore cannot read exactly as the engine would (${err.message}); ask an administrator`,
    );
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.step(chunk).then(
      () => callback(),
      (err: unknown) => callback(this.refusal(err)),
    );
  }

  override _flush(callback: TransformCallback): void {
    this.finishArchive().then(
      () => callback(),
      (err: unknown) => callback(this.refusal(err)),
    );
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.gunzip?.destroy();
    this.reader.destroy();
    this.held.length = 0;
    callback(err);
  }
}

/** A Transform to put between the caller's request body and the engine's. */
export function createTarGate(options: TarGateOptions): Transform {
  return new TarGate(options);
}

const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const text = (b: string) => Buffer.from(b, 'latin1').toString('utf8');

/**
 * The names (byte strings) the legacy builder may read the Dockerfile from (builder/remotecontext/
 * detect.go): the `dockerfile` parameter (default `Dockerfile`) joined to the context root and cleaned
 * (`./Dockerfile`, `a/../Dockerfile`, `/Dockerfile` are `Dockerfile`), and for `Dockerfile` itself, the
 * lowercase `dockerfile` the builder falls back to when there is none. A path out of the root is refused.
 */
export function dockerfilePaths(dockerfileParam: string | null): string[] {
  const raw = dockerfileParam === null || dockerfileParam === '' ? 'Dockerfile' : dockerfileParam;
  // filepath.Join(root, p) then the in-scope check: a leading slash is the root, `..` may not leave it.
  const clean = posix.normalize(raw.replace(/^\/+/, '')).replace(/\/+$/, '');
  if (clean === '..' || clean.startsWith('../') || clean === '.' || raw.includes('\0'))
    throw forbidden(`the Dockerfile ${raw} is not a file inside the build context`);
  return raw === 'Dockerfile' ? [bytes(clean), 'dockerfile'] : [bytes(clean)];
}

export function dockerfileEntryNames(dockerfileParam: string | null): (name: string) => boolean {
  const names = new Set(dockerfilePaths(dockerfileParam));
  return (name) => names.has(name);
}

export interface BuildContextOptions {
  /** The `dockerfile` query parameter. */
  readonly dockerfile: string | null;
  /** The `buildargs` query parameter, parsed. */
  readonly buildArgs: BuildArgs;
  readonly resolve?: Resolve;
  /** Checks the images stages start FROM, whose ONBUILD triggers run in the build (see triggerSources). */
  readonly checkBases?: (bases: string[]) => Promise<void>;
  readonly maxDockerfileBytes?: number;
}

/** The Dockerfiles the engine may read from an unpacked context; refuses what could make it read others. */
export function contextDockerfiles(
  contents: TarContents,
  paths: readonly string[],
  maxBytes: number,
): Buffer[] {
  const found: Buffer[] = [];
  for (const path of paths) {
    const entries = contents.entries.filter((e) => e.name === path);
    const refuse = (why: string) =>
      forbidden(
        `the Dockerfile ${text(path)} ${why}, so Stevedore cannot check what the engine would read; ask an administrator`,
      );
    if (entries.length > 1) throw refuse(`is in the build context ${entries.length} times`);
    const entry = entries[0];
    if (entry?.type === 'symlink' || entry?.type === 'link')
      throw refuse(`is a ${entry.type === 'link' ? 'hard' : 'symbolic'} link in the build context`);
    if (contents.resolve(path) !== path)
      throw refuse('is reached through a symbolic link in the build context');
    if (entry === undefined) continue;
    if (entry.type !== 'file') throw refuse('is not a regular file');
    if (entry.data === undefined) throw refuse(`is larger than ${maxBytes} bytes`);
    found.push(entry.data);
  }
  return found;
}

/** A gate for a `POST /build` body: the Dockerfile's fetches are checked before the engine may build. */
export function buildContextGate(options: BuildContextOptions): Transform {
  const paths = dockerfilePaths(options.dockerfile);
  const resolve = options.resolve ?? systemResolve;
  const names = new Set(paths);
  const maxEntryBytes = options.maxDockerfileBytes ?? 1024 * 1024;
  return createTarGate({
    what: 'the build context',
    wanted: (name) => names.has(name),
    maxEntryBytes,
    check: async (contents) => {
      const dockerfiles = contextDockerfiles(contents, paths, maxEntryBytes);
      if (dockerfiles.length === 0)
        throw forbidden(`the build context has no Dockerfile at ${text(paths[0]!)}`);
      const bases = new Set<string>();
      for (const dockerfile of dockerfiles) {
        const found = fetchedSources(dockerfile, options.buildArgs);
        const [unknown] = found.unresolved;
        if (unknown !== undefined)
          throw forbidden(
            `the Dockerfile's ADD source ${unknown} may be a URL whose host Stevedore cannot know (it depends on a variable the base image or a later build could set); write the URL out, or ask an administrator`,
          );
        for (const url of found.urls) await checkFetchedUrl(url, "the Dockerfile's ADD source", resolve);
        for (const base of found.bases) bases.add(base);
      }
      if (options.checkBases && bases.size > 0) await options.checkBases([...bases]);
    },
  });
}
