/**
 * Finds the elements of a top-level JSON array as its bytes arrive, without parsing them: each element is
 * handed over as the exact bytes the producer wrote, so a list answer can be filtered element by element
 * and the kept ones sent on as they came (no second serialization), while the rest is still arriving.
 *
 * With `fieldDepth` 1 or 2, the scanner also notes where each member of an element object begins and ends,
 * down to that depth through nested objects (`Spec` → `Labels`), in the same pass: json-fields.ts then
 * parses only the members a decision needs, instead of the whole element.
 *
 * Boundaries follow JSON's grammar: strings (with their escapes) are skipped whole, brackets nest and must
 * match, and between elements only whitespace and one comma may stand. Element contents are not validated
 * further: whoever needs a value parses it (JSON.parse validates it then). Input that breaks the grammar
 * where it is checked — an unterminated string or array, a bracket closing what it did not open, anything
 * after the closing `]` but whitespace — throws `NotJsonArrayError`, and nothing more is emitted.
 *
 * A document that is not an array (`null`, an object) is reported by `isArray === false` after its first
 * byte, and its bytes are not looked at: the caller keeps them and treats the document whole.
 *
 * A structural byte (quote, bracket, comma, colon) is ASCII, so no cut falls inside a UTF-8 sequence.
 */

export class NotJsonArrayError extends Error {
  override readonly name = 'NotJsonArrayError';
}

/**
 * The members of one element object (and of objects nested in it, to `fieldDepth`), as offsets into the
 * element's bytes, in the order they appear. Member k's `key` runs between its quotes (still escaped);
 * its `value` from after the colon to the comma or brace that ends it (whitespace included); `parent` is
 * the member whose value holds it (-1 at depth 1). A value still -1 was never seen (malformed input).
 * One instance is reused from element to element: read it during the `onElement` call only.
 */
export class MemberSpans {
  private static readonly STRIDE = 6;
  private data = new Int32Array(64 * MemberSpans.STRIDE);
  count = 0;

  depth(k: number): number {
    return this.data[k * MemberSpans.STRIDE]!;
  }
  parent(k: number): number {
    return this.data[k * MemberSpans.STRIDE + 1]!;
  }
  keyStart(k: number): number {
    return this.data[k * MemberSpans.STRIDE + 2]!;
  }
  keyEnd(k: number): number {
    return this.data[k * MemberSpans.STRIDE + 3]!;
  }
  valueStart(k: number): number {
    return this.data[k * MemberSpans.STRIDE + 4]!;
  }
  valueEnd(k: number): number {
    return this.data[k * MemberSpans.STRIDE + 5]!;
  }

  /** The scanner's: a member whose key begins at `keyStart`; returns its index. */
  add(depth: number, parent: number, keyStart: number): number {
    const k = this.count++;
    const at = k * MemberSpans.STRIDE;
    if (at + MemberSpans.STRIDE > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const data = this.data;
    data[at] = depth;
    data[at + 1] = parent;
    data[at + 2] = keyStart;
    data[at + 3] = -1;
    data[at + 4] = -1;
    data[at + 5] = -1;
    return k;
  }

  /** The scanner's: where member k's key ends (3), its value starts (4) or ends (5). */
  set(k: number, field: 3 | 4 | 5, offset: number): void {
    this.data[k * MemberSpans.STRIDE + field] = offset;
  }
}

/** An element, its members (fieldDepth > 0), and where its first byte is in the whole document. */
export type OnElement = (element: Buffer, members: MemberSpans, offset: number) => void;

const KEY_END = 3;
const VALUE_START = 4;
const VALUE_END = 5;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
/** Bytes a bare element (number, true, false, null) may hold; JSON.parse judges the rest. */
const isBare = (b: number) =>
  (b >= 0x30 && b <= 0x39) ||
  b === 0x2d ||
  b === 0x2b ||
  b === 0x2e ||
  (b >= 0x61 && b <= 0x7a) ||
  b === 0x45;

const enum Phase {
  /** Before the document's first byte. */
  Start,
  /** After `[`: an element or `]`. */
  Open,
  /** After a comma: an element. */
  Next,
  /** Inside an element. */
  Element,
  /** After an element: a comma or `]`. */
  After,
  /** After the closing `]`: whitespace only. */
  Done,
  /** The document is not an array: nothing is scanned. */
  Other,
}

/** Bytes that end a run of plain string content: a quote, or a backslash (an escape). */
const STRING_STOP = new Uint8Array(256);
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

export class JsonArrayScanner {
  private phase = Phase.Start;
  /** Closing bytes expected, innermost last: stack[0, depth) (depth 0 outside elements). */
  private stack: Uint8Array = new Uint8Array(64);
  private depth = 0;
  private inString = false;
  /** A backslash was the last byte seen in a string: the next byte is escaped. */
  private escaped = false;
  /** The element is a bare number or literal (ends at a comma, `]` or whitespace). */
  private bare = false;
  /** The current element's bytes from earlier chunks, and how many they are. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Where the current element starts in the chunk being scanned (0 when it began in an earlier one). */
  private start = 0;
  /** Bytes of the document in chunks before the one being scanned; and where the current element began. */
  private before = 0;
  private elementOffset = 0;
  private count = 0;

  // Members (fieldDepth > 0). `chain`: how many of the outermost open brackets are objects, so members at
  // depth d are noted only when d <= chain (an object in an object, not in an array).
  private readonly fieldDepth: number;
  private chain = 0;
  private readonly members = new MemberSpans();
  /** Per depth: whether the next string is a key, and the member being read (-1 none). */
  private readonly expectKey: boolean[] = [];
  private readonly open: number[] = [];
  /** The string being read is the key of `open[depth]`. */
  private inKey = false;

  constructor(options: { fieldDepth?: 0 | 1 | 2 } = {}) {
    this.fieldDepth = options.fieldDepth ?? 0;
  }

  /** Undefined until the first significant byte; then whether the document is an array. */
  get isArray(): boolean | undefined {
    if (this.phase === Phase.Start) return undefined;
    return this.phase !== Phase.Other;
  }

  /** Elements emitted so far. */
  get elements(): number {
    return this.count;
  }

  /** Scans `chunk`, calling `onElement` with each element completed in it, in order. */
  push(chunk: Buffer, onElement: OnElement): void {
    const n = chunk.length;
    let i = 0;
    this.start = 0;
    while (i < n) {
      if (this.phase === Phase.Other) return;
      if (this.phase === Phase.Element) {
        i = this.inElement(chunk, i, onElement);
        continue;
      }
      const b = chunk[i]!;
      if (isSpace(b)) {
        i++;
        continue;
      }
      switch (this.phase) {
        case Phase.Start:
          if (b !== OPEN_BRACKET) {
            this.phase = Phase.Other;
            return;
          }
          this.phase = Phase.Open;
          i++;
          continue;
        case Phase.Open:
        case Phase.Next:
          if (b === CLOSE_BRACKET && this.phase === Phase.Open) {
            this.phase = Phase.Done;
            i++;
            continue;
          }
          this.begin(b);
          this.start = i;
          this.elementOffset = this.before + i;
          i++;
          continue;
        case Phase.After:
          if (b === COMMA) this.phase = Phase.Next;
          else if (b === CLOSE_BRACKET) this.phase = Phase.Done;
          else throw new NotJsonArrayError(`expected "," or "]" after an array element, not byte ${b}`);
          i++;
          continue;
        default:
          throw new NotJsonArrayError(`unexpected byte ${b} after the end of the array`);
      }
    }
    if (this.phase === Phase.Element) {
      const rest = chunk.subarray(this.start);
      this.parts.push(rest);
      this.partsLength += rest.length;
    }
    this.before += n;
  }

  /** The input ended: throws unless it held one whole array (or was not an array at all). */
  end(): void {
    if (this.phase !== Phase.Done && this.phase !== Phase.Other)
      throw new NotJsonArrayError('the JSON array ended before its closing "]"');
  }

  /**
   * Scans inside the current element from `i`; returns where scanning stopped: after the element's last
   * byte when it ended here (it has been emitted), else the chunk's end. The hot loop: state lives in
   * locals while it runs.
   */
  private inElement(chunk: Buffer, from: number, onElement: OnElement): number {
    const n = chunk.length;
    const fieldDepth = this.fieldDepth;
    const members = this.members;
    const expectKey = this.expectKey;
    const open = this.open;
    /** The offset in the element of byte j of this chunk is base + j. */
    const base = this.partsLength - this.start;
    let stack = this.stack;
    let i = from;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let bare = this.bare;
    let inKey = this.inKey;
    let chain = this.chain;
    let ended = false;
    while (i < n) {
      if (inString) {
        // Only a quote not escaped by a backslash ends the string.
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        while (i < n && STRING_STOP[chunk[i]!] === 0) i++;
        if (i === n) break;
        if (chunk[i] === BACKSLASH) {
          escaped = true;
          i++;
          continue;
        }
        inString = false;
        if (inKey) {
          inKey = false;
          members.set(open[depth]!, KEY_END, base + i);
        }
        i++;
        if (depth === 0) {
          ended = true;
          break;
        }
        continue;
      }
      const b = chunk[i]!;
      if (bare) {
        if (b === COMMA || b === CLOSE_BRACKET || isSpace(b)) {
          bare = false;
          ended = true; // the delimiter is read in Phase.After
          break;
        }
        if (!isBare(b)) throw new NotJsonArrayError(`unexpected byte ${b} in a bare array element`);
        i++;
        continue;
      }
      // Members are noted in objects at most fieldDepth deep that sit in objects all the way out.
      const noting = depth <= fieldDepth && depth <= chain;
      i++;
      if (b === QUOTE) {
        inString = true;
        if (noting && expectKey[depth] === true) {
          expectKey[depth] = false;
          open[depth] = members.add(depth, depth > 1 ? open[depth - 1]! : -1, base + i);
          inKey = true;
        }
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (depth === stack.length) stack = this.grow();
        if (b === OPEN_BRACE) {
          if (chain === depth) chain = depth + 1;
          stack[depth++] = CLOSE_BRACE;
          expectKey[depth] = true;
          open[depth] = -1;
        } else stack[depth++] = CLOSE_BRACKET;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        if (noting && b === CLOSE_BRACE) this.endMember(depth, base + i - 1);
        if (depth === 0 || stack[--depth] !== b)
          throw new NotJsonArrayError('a bracket closes what it did not open');
        if (chain > depth) chain = depth;
        if (depth === 0) {
          ended = true;
          break;
        }
      } else if (noting && b === COLON) {
        const member = open[depth]!;
        if (member >= 0) members.set(member, VALUE_START, base + i);
      } else if (noting && b === COMMA) {
        this.endMember(depth, base + i - 1);
        expectKey[depth] = true;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.bare = bare;
    this.inKey = inKey;
    this.chain = chain;
    if (ended) this.emit(chunk, i, onElement);
    return i;
  }

  private grow(): Uint8Array {
    const grown = new Uint8Array(this.stack.length * 2);
    grown.set(this.stack);
    this.stack = grown;
    return grown;
  }

  private emit(chunk: Buffer, end: number, onElement: OnElement): void {
    const tail = chunk.subarray(this.start, end);
    const element = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
    this.parts = [];
    this.partsLength = 0;
    this.chain = 0;
    this.count++;
    this.phase = Phase.After;
    onElement(element, this.members, this.elementOffset);
    this.members.count = 0;
  }

  private begin(b: number): void {
    this.phase = Phase.Element;
    if (b === OPEN_BRACE) {
      this.stack[this.depth++] = CLOSE_BRACE;
      this.chain = 1;
      this.expectKey[1] = true;
      this.open[1] = -1;
    } else if (b === OPEN_BRACKET) this.stack[this.depth++] = CLOSE_BRACKET;
    else if (b === QUOTE) this.inString = true;
    else if (isBare(b)) this.bare = true;
    else throw new NotJsonArrayError(`unexpected byte ${b} where an array element begins`);
  }

  /** The member open at `depth` ends at `offset` (a comma or the object's closing brace). */
  private endMember(depth: number, offset: number): void {
    const member = this.open[depth]!;
    if (member >= 0) this.members.set(member, VALUE_END, offset);
    this.open[depth] = -1;
  }
}
