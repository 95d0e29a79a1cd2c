/**
 * Where the engine's tar reader (Go's archive/tar, go1.19 as in Debian's dockerd 20.10) sees entries and
 * the end of an archive, byte for byte, as the bytes flow: header blocks and their checksums (unsigned or
 * signed), V7, ustar, STAR (a 131-byte prefix) and GNU headers (with Go's prefix fallback for headers
 * whose GNU times do not parse), PAX records (`path`, `linkpath`, `size`; last record wins; a later PAX
 * header replaces an earlier one), GNU long names (which win over PAX), header-only types and the end at
 * the first all-zero header block (Go stops there: two zero blocks, or one and the end of the stream).
 *
 * tar-stream (which the gate runs beside this, as a second opinion) differs from Go in several of these:
 * it skips zero blocks and reads on, gives links and devices the data their size field claims, merges
 * global PAX headers into later ones, lets PAX `path` win over GNU long names, and reads `\0 12` as 0.
 * That is why the framing the gate trusts is this one.
 *
 * Invariants: names are byte strings (latin1), as Go keeps them. What Go reads in a way this does not
 * follow exactly is a TarFormatError, never a guess: sparse files (GNU `S`, PAX `GNU.sparse.*`, whose
 * data is laid out differently), header-only entries with a data size, special headers over 1 MiB.
 */
export const BLOCK = 512;
const MAX_SPECIAL = 1 << 20;
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

export class TarFormatError extends Error {}

export interface FramedEntry {
  /** Offset of the entry's own header block (after any PAX or GNU long-name headers). */
  readonly headerOffset: number;
  readonly dataOffset: number;
  /** Data bytes after the header (0 for header-only types, whatever their size field says). */
  readonly size: number;
  /** Go's typeflag: `0` file (and `\0` without a trailing slash), `5` directory, `1` link, `2` symlink… */
  readonly type: string;
  readonly name: string;
  readonly linkname: string;
}

export interface FramingSink {
  /** An entry's header was read; answer true to be given its data. */
  entry(entry: FramedEntry): boolean;
  data(chunk: Buffer): void;
  /** The data of the entry the sink asked for is complete. */
  dataEnd(): void;
}

const cstr = (b: Buffer, at: number, len: number) => {
  const field = b.subarray(at, at + len);
  const nul = field.indexOf(0);
  return (nul < 0 ? field : field.subarray(0, nul)).toString('latin1');
};

/** Go's parseNumeric (parseOctal when `octalOnly`); undefined where Go records a parse error. */
function numeric(b: Buffer, octalOnly = false): number | undefined {
  if (!octalOnly && b.length > 0 && (b[0]! & 0x80) !== 0) {
    // Base-256, two's complement; this reader's numbers stop at 2^53, which sizes never reach here.
    const inv = (b[0]! & 0x40) !== 0 ? 0xff : 0;
    let n = (b[0]! ^ inv) & 0x7f;
    for (let i = 1; i < b.length; i++) n = n * 256 + (b[i]! ^ inv);
    if (n > Number.MAX_SAFE_INTEGER) return undefined;
    return inv ? -n - 1 : n;
  }
  const trimmed = b.toString('latin1').replace(/^[ \0]+|[ \0]+$/g, '');
  const text = trimmed.split('\0')[0]!;
  if (trimmed === '') return 0;
  return /^[0-7]+$/.test(text) && parseInt(text, 8) <= Number.MAX_SAFE_INTEGER
    ? parseInt(text, 8)
    : undefined;
}

/** parsePAX: `<len> <key>=<value>\n` records, strictly as Go parses them. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let s = data.toString('latin1');
  while (s.length > 0) {
    const space = s.indexOf(' ');
    const n = space < 0 ? NaN : Number(s.slice(0, space));
    if (!/^\+?\d+$/.test(s.slice(0, space)) || n < 5 || n > s.length || n - space - 1 <= 0)
      throw new TarFormatError('a PAX record that does not parse');
    const record = s.slice(space + 1, n - 1);
    const eq = record.indexOf('=');
    if (s[n - 1] !== '\n' || eq <= 0) throw new TarFormatError('a PAX record that does not parse');
    const [key, value] = [record.slice(0, eq), record.slice(eq + 1)];
    if (['path', 'linkpath', 'uname', 'gname'].includes(key) ? value.includes('\0') : key.includes('\0'))
      throw new TarFormatError('a PAX record with a NUL');
    records.set(key, value);
    s = s.slice(n);
  }
  return records;
}

type Mode =
  | { kind: 'header' }
  | { kind: 'special'; type: string; remaining: number; pad: number; chunks: Buffer[] }
  | { kind: 'data'; remaining: number; pad: number; keep: boolean }
  | { kind: 'pad'; remaining: number }
  | { kind: 'end' };

export class GoTarFraming {
  /** Bytes read so far. */
  offset = 0;
  /** Offset of the first all-zero header block: the engine reads nothing from here on. */
  end: number | undefined;
  private mode: Mode = { kind: 'header' };
  private carry: Buffer = Buffer.alloc(0);
  private pax: Map<string, string> | undefined;
  private longName = '';
  private longLink = '';

  constructor(private readonly sink: FramingSink) {}

  /** True between entries: an archive may end here without the engine failing. */
  get atBoundary(): boolean {
    return this.mode.kind === 'end' || (this.mode.kind === 'header' && this.carry.length === 0);
  }

  /** Reads `chunk`; after the end, the rest is not read (`offset` stops at `end`). */
  feed(chunk: Buffer): void {
    let buf = chunk;
    while (buf.length > 0 && this.mode.kind !== 'end') {
      const mode = this.mode;
      if (mode.kind === 'header') {
        const need = BLOCK - this.carry.length;
        const part = buf.subarray(0, need);
        this.carry =
          this.carry.length === 0 && part.length === BLOCK ? part : Buffer.concat([this.carry, part]);
        buf = buf.subarray(part.length);
        if (this.carry.length < BLOCK) return;
        const block = this.carry;
        this.carry = Buffer.alloc(0);
        if (block.every((b) => b === 0)) {
          this.end = this.offset;
          this.mode = { kind: 'end' };
          return;
        }
        this.offset += BLOCK;
        this.header(block);
        continue;
      }
      const n = Math.min(mode.remaining, buf.length);
      const part = buf.subarray(0, n);
      buf = buf.subarray(n);
      this.offset += n;
      mode.remaining -= n;
      if (mode.kind === 'special') mode.chunks.push(Buffer.from(part));
      if (mode.kind === 'data' && mode.keep) this.sink.data(part);
      if (mode.remaining > 0) continue;
      if (mode.kind === 'special') this.special(mode.type, Buffer.concat(mode.chunks));
      if (mode.kind === 'data' && mode.keep) this.sink.dataEnd();
      this.mode =
        mode.kind !== 'pad' && mode.pad > 0 ? { kind: 'pad', remaining: mode.pad } : { kind: 'header' };
    }
  }

  private header(b: Buffer): void {
    const stored = numeric(b.subarray(148, 156), true);
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) {
      const c = i >= 148 && i < 156 ? 0x20 : b[i]!;
      unsigned += c;
      signed += c > 127 ? c - 256 : c;
    }
    if (stored === undefined || (stored !== unsigned && stored !== signed))
      throw new TarFormatError(`a header at byte ${this.offset - BLOCK} whose checksum does not match`);
    const magic = b.toString('latin1', 257, 263);
    const type = String.fromCharCode(b[156]!);
    let name = cstr(b, 0, 100);
    let linkname = cstr(b, 157, 100);
    let size = numeric(b.subarray(124, 136));
    let prefix = '';
    if (magic === 'ustar\0') prefix = cstr(b, 345, b.toString('latin1', 508, 512) === 'tar\0' ? 131 : 155);
    else if (magic === 'ustar ' && b.toString('latin1', 263, 265) === ' \0') {
      // Go reads a GNU header whose access and change times do not parse as a pre-Go1.8 ustar one.
      const times =
        numeric(b.subarray(345, 357)) !== undefined && numeric(b.subarray(357, 369)) !== undefined;
      const s = cstr(b, 345, 155);
      if (!times && /^[\x00-\x7f]*$/.test(s)) prefix = s;
    }
    if (prefix !== '') name = `${prefix}/${name}`;
    if (size === undefined || size < 0) throw new TarFormatError(`${name} has a size Go cannot read`);
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (size > MAX_SPECIAL) throw new TarFormatError('a PAX or long-name header over 1 MiB');
      this.startData({ kind: 'special', type, remaining: size, pad: pad(size), chunks: [] });
      return;
    }
    if (type === 'S') throw new TarFormatError(`${name} is a sparse file`);
    const pax = this.pax;
    if (pax) {
      if ([...pax.keys()].some((k) => k.startsWith('GNU.sparse.')))
        throw new TarFormatError(`${name} is a sparse file`);
      if (pax.get('path')) name = pax.get('path')!;
      if (pax.get('linkpath')) linkname = pax.get('linkpath')!;
      const paxSize = pax.get('size');
      if (paxSize) {
        if (!/^\+?\d+$/.test(paxSize) || Number(paxSize) > Number.MAX_SAFE_INTEGER)
          throw new TarFormatError(`${name} has a PAX size Go cannot read`);
        size = Number(paxSize);
      }
    }
    if (this.longName !== '') name = this.longName;
    if (this.longLink !== '') linkname = this.longLink;
    this.pax = undefined;
    this.longName = this.longLink = '';
    const kind = type === '\0' ? (name.endsWith('/') ? '5' : '0') : type;
    if (HEADER_ONLY.has(kind) && size !== 0)
      throw new TarFormatError(`${name} is a link, directory or device with a data size`);
    const entry = {
      headerOffset: this.offset - BLOCK,
      dataOffset: this.offset,
      size,
      type: kind,
      name,
      linkname,
    };
    const keep = this.sink.entry(entry);
    this.startData({ kind: 'data', remaining: size, pad: pad(size), keep });
  }

  private startData(mode: Extract<Mode, { kind: 'special' | 'data' }>): void {
    this.mode = mode;
    if (mode.remaining > 0) return;
    if (mode.kind === 'special') this.special(mode.type, Buffer.alloc(0));
    if (mode.kind === 'data' && mode.keep) this.sink.dataEnd();
    this.mode = { kind: 'header' };
  }

  private special(type: string, data: Buffer): void {
    if (type === 'L') this.longName = cstr(data, 0, data.length);
    else if (type === 'K') this.longLink = cstr(data, 0, data.length);
    else {
      const records = paxRecords(data);
      // A global header is returned by Go's reader as an entry of its own (which the engine ignores):
      // what a PAX header before it said is forgotten.
      if (type === 'x') this.pax = records;
      else this.pax = undefined;
      if (type === 'g') this.longName = this.longLink = '';
    }
  }
}

function pad(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
