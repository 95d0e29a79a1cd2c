/**
 * A synchronous tar reader that follows an archive as it flows and hands back the contents of the few
 * small files it was asked for, the moment the last of their bytes arrives. It reads entries the way the
 * engine's reader does (Go's archive/tar): ustar, PAX (`path`, `size`), GNU long names, STAR prefixes,
 * header-only types (links, directories, devices) carrying no data whatever their size field says, and the
 * end at the first all-zero block.
 *
 * What it cannot follow exactly is an error, never a guess: a bad checksum, sparse files (their data is
 * laid out differently), a negative size, a PAX record that does not parse, or a wanted file that is not a
 * regular file (a link or symlink could make the engine read other bytes under that name).
 */

const BLOCK = 512;
/** Wanted files larger than this are refused: the metadata the engine reads is small. */
const MAX_WANTED = 8 * 1024 * 1024;
const MAX_META = 1024 * 1024;

export interface TarFile {
  /** The entry's name, cleaned as the engine cleans it (`./a/../b` is `b`). */
  readonly name: string;
  readonly data: Buffer;
}

export class TarError extends Error {}

type Phase =
  | { readonly kind: 'header' }
  | { readonly kind: 'data'; remaining: number; readonly keep?: Keep; readonly pad: number }
  | { readonly kind: 'pad'; remaining: number }
  | { readonly kind: 'end' };

interface Keep {
  readonly target: 'pax' | 'longname' | 'longlink' | 'wanted' | 'skip-global';
  readonly name: string;
  readonly chunks: Buffer[];
}

const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

/** Go's path.Clean for archive names (forward slashes only). */
export function cleanName(name: string): string {
  const rooted = name.startsWith('/');
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const cleaned = (rooted ? '/' : '') + out.join('/');
  return cleaned === '' ? '.' : cleaned;
}

function baseName(cleaned: string): string {
  return cleaned.slice(cleaned.lastIndexOf('/') + 1);
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return (nul < 0 ? b : b.subarray(0, nul)).toString('utf8');
}

/** Go's parseNumeric: base-256 when the high bit is set, else octal (spaces and NULs trimmed). */
function numeric(b: Buffer): number {
  if (b.length > 0 && (b[0]! & 0x80) !== 0) {
    if ((b[0]! & 0x40) !== 0) throw new TarError('a negative size');
    let n = b[0]! & 0x3f;
    for (let i = 1; i < b.length; i++) {
      n = n * 256 + b[i]!;
      if (n > Number.MAX_SAFE_INTEGER) throw new TarError('a size too large to follow');
    }
    return n;
  }
  const text = b.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`a number that is not octal (${JSON.stringify(text)})`);
  return parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  let stored: number;
  try {
    stored = numeric(block.subarray(148, 156));
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

/** PAX records: `<len> <key>=<value>\n`, each length counting the whole record. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) throw new TarError('a PAX record without a length');
    const lengthText = data.subarray(at, space).toString('latin1');
    if (!/^[0-9]+$/.test(lengthText)) throw new TarError('a PAX record with a bad length');
    const length = parseInt(lengthText, 10);
    if (length <= space - at || at + length > data.length || data[at + length - 1] !== 0x0a)
      throw new TarError('a PAX record that does not parse');
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw new TarError('a PAX record without a key');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

export class TarScanner {
  private phase: Phase = { kind: 'header' };
  private pending = Buffer.alloc(0);
  private pax: Map<string, string> | undefined;
  private longName: string | undefined;
  private found: TarFile[] = [];

  /** @param wanted whether a file of this base name is one to hand back (`manifest.json`, …). */
  constructor(private readonly wanted: (baseName: string) => boolean) {}

  /** True once the end-of-archive block was read: the engine reads nothing after it. */
  get ended(): boolean {
    return this.phase.kind === 'end';
  }

  /** Follows `chunk`; throws a TarError for what it cannot follow exactly. */
  feed(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (buf.length > 0 && this.phase.kind !== 'end') {
      const phase = this.phase;
      if (phase.kind === 'header') {
        if (buf.length < BLOCK) {
          this.pending = Buffer.from(buf);
          return;
        }
        this.header(buf.subarray(0, BLOCK));
        buf = buf.subarray(BLOCK);
      } else if (phase.kind === 'data') {
        const n = Math.min(phase.remaining, buf.length);
        phase.keep?.chunks.push(Buffer.from(buf.subarray(0, n)));
        phase.remaining -= n;
        buf = buf.subarray(n);
        if (phase.remaining === 0) {
          this.entryDone(phase.keep);
          this.phase = phase.pad > 0 ? { kind: 'pad', remaining: phase.pad } : { kind: 'header' };
        }
      } else {
        const n = Math.min(phase.remaining, buf.length);
        phase.remaining -= n;
        buf = buf.subarray(n);
        if (phase.remaining === 0) this.phase = { kind: 'header' };
      }
    }
  }

  /** The wanted files completed since the last call. */
  take(): TarFile[] {
    const out = this.found;
    this.found = [];
    return out;
  }

  private header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      this.phase = { kind: 'end' };
      return;
    }
    if (!checksumOk(block)) throw new TarError('a header whose checksum does not match');
    const type = String.fromCharCode(block[156]!);
    const star = block.subarray(508, 512).toString('latin1') === 'tar\0';
    let name = cString(block.subarray(0, 100));
    // ustar and STAR have a name prefix; GNU (`ustar `) and V7 headers have none.
    if (block.subarray(257, 263).toString('latin1') === 'ustar\0') {
      const prefix = cString(block.subarray(345, star ? 476 : 500));
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    let size = numeric(block.subarray(124, 136));

    if (type === 'x' || type === 'g') {
      if (size > MAX_META) throw new TarError('a PAX header too large to follow');
      this.startData(size, { target: type === 'x' ? 'pax' : 'skip-global', name, chunks: [] });
      return;
    }
    if (type === 'L' || type === 'K') {
      if (size > MAX_META) throw new TarError('a long name too large to follow');
      this.startData(size, { target: type === 'L' ? 'longname' : 'longlink', name, chunks: [] });
      return;
    }
    if (type === 'S') throw new TarError('a sparse file');
    const pax = this.pax;
    this.pax = undefined;
    if (pax) {
      if ([...pax.keys()].some((k) => k.startsWith('GNU.sparse.'))) throw new TarError('a sparse file');
      const paxPath = pax.get('path');
      if (paxPath !== undefined) name = paxPath;
      const paxSize = pax.get('size');
      if (paxSize !== undefined) {
        if (!/^[0-9]+$/.test(paxSize)) throw new TarError('a PAX size that is not a number');
        size = Number(paxSize);
      }
    }
    if (this.longName !== undefined) name = this.longName;
    this.longName = undefined;

    let kind = type;
    if (kind === '\0') kind = name.endsWith('/') ? '5' : '0';
    const cleaned = cleanName(name);
    const dataSize = HEADER_ONLY.has(kind) ? 0 : size;
    const isWanted = this.wanted(baseName(cleaned));
    if (isWanted && kind !== '0' && kind !== '7')
      throw new TarError(`${cleaned} is not a regular file (type ${JSON.stringify(type)})`);
    if (isWanted && dataSize > MAX_WANTED) throw new TarError(`${cleaned} is too large`);
    this.startData(dataSize, isWanted ? { target: 'wanted', name: cleaned, chunks: [] } : undefined);
  }

  private startData(size: number, keep: Keep | undefined): void {
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) {
      this.entryDone(keep);
      return;
    }
    this.phase = { kind: 'data', remaining: size, pad, ...(keep ? { keep } : {}) };
  }

  private entryDone(keep: Keep | undefined): void {
    this.phase = { kind: 'header' };
    if (!keep) return;
    const data = Buffer.concat(keep.chunks);
    if (keep.target === 'pax') this.pax = paxRecords(data);
    else if (keep.target === 'longname') this.longName = cString(data);
    else if (keep.target === 'wanted') this.found.push({ name: keep.name, data });
  }
}
