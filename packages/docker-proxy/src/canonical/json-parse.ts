/**
 * A strict RFC 8259 JSON parser that reads a body the way Go's encoding/json does, and refuses what would
 * let the proxy and the engine read it differently.
 *
 * Invariants:
 * - Grammar is RFC 8259 exactly (Go's scanner): no comments, trailing commas, leading zeros, NaN, or
 *   whitespace other than space, tab, CR, LF; nothing but whitespace after the value.
 * - A key twice in one object is an error (JsonParseError with `duplicate`), maps included: Go merges or
 *   keeps the last one, JSON.parse keeps the last one, and a policy might have read the first.
 * - Strings are what Go's unquote makes: invalid UTF-8 bytes and lone surrogate escapes become U+FFFD.
 * - Values are plain JavaScript (objects, arrays, strings, booleans, null); numbers are `number`, or
 *   `bigint` for integer literals beyond the safe range, with non-integer literals' text recorded in
 *   number-literals.ts. A `__proto__` key is an own property, never the prototype.
 */
import { decodeUtf8LikeGo } from './go-utf8.js';
import { recordLiteral } from './number-literals.js';

export type JsonValue =
  null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonPath = (string | number)[];

export class JsonParseError extends Error {
  constructor(
    readonly reason: string,
    /** Where, in characters of the decoded text. */
    readonly offset: number,
    /** Keys and indices from the root to the value (for `duplicate`: to the object holding the key). */
    readonly path: JsonPath = [],
    readonly duplicate?: string,
  ) {
    super(`${reason} at character ${offset}`);
  }
}

/** Deeper than any Engine API body; Go allows 10000, and the recursion here must not exhaust the stack. */
const MAX_DEPTH = 512;

export function parseJson(input: string | Buffer): JsonValue {
  const parser = new Parser(typeof input === 'string' ? input : decodeUtf8LikeGo(input));
  parser.skipSpace();
  const value = parser.value(undefined, '', 0);
  parser.skipSpace();
  if (parser.pos < parser.src.length) parser.fail('unexpected data after the JSON value');
  return value;
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

// A class, not module-level `let`s: V8 keeps TDZ checks on every access to those, 3× slower here.
class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(reason: string, at = this.pos): never {
    throw new JsonParseError(this.pos >= this.src.length ? 'unexpected end of input' : reason, at);
  }

  skipSpace(): void {
    let c = this.src.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = this.src.charCodeAt(++this.pos);
  }

  value(holder: object | undefined, key: string | number, depth: number): JsonValue {
    const c = this.src.charCodeAt(this.pos);
    if (c === 0x22) return this.string();
    if (c === 0x7b || c === 0x5b) {
      if (depth >= MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH}`);
      return c === 0x7b ? this.object(depth) : this.array(depth);
    }
    if (c === 0x2d || isDigit(c)) return this.number(holder, key);
    if (c === 0x74 && this.src.startsWith('true', this.pos)) return ((this.pos += 4), true);
    if (c === 0x66 && this.src.startsWith('false', this.pos)) return ((this.pos += 5), false);
    if (c === 0x6e && this.src.startsWith('null', this.pos)) return ((this.pos += 4), null);
    return this.fail(`unexpected character ${JSON.stringify(this.src[this.pos])}`);
  }

  object(depth: number): { [key: string]: JsonValue } {
    const obj: { [key: string]: JsonValue } = {};
    this.pos++;
    this.skipSpace();
    if (this.src.charCodeAt(this.pos) === 0x7d) return (this.pos++, obj);
    for (;;) {
      const at = this.pos;
      if (this.src.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const key = this.string();
      if (obj[key] !== undefined && Object.hasOwn(obj, key))
        throw new JsonParseError('duplicate key', at, [], key);
      this.skipSpace();
      if (this.src.charCodeAt(this.pos) !== 0x3a) this.fail('expected ":"');
      this.pos++;
      this.skipSpace();
      let value: JsonValue;
      try {
        value = this.value(obj, key, depth + 1);
      } catch (e) {
        if (e instanceof JsonParseError) e.path.unshift(key);
        throw e;
      }
      if (key === '__proto__')
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      else obj[key] = value;
      this.skipSpace();
      const c = this.src.charCodeAt(this.pos++);
      if (c === 0x7d) return obj;
      if (c !== 0x2c) this.fail('expected "," or "}"', this.pos - 1);
      this.skipSpace();
    }
  }

  array(depth: number): JsonValue[] {
    const arr: JsonValue[] = [];
    this.pos++;
    this.skipSpace();
    if (this.src.charCodeAt(this.pos) === 0x5d) return (this.pos++, arr);
    for (;;) {
      try {
        arr.push(this.value(arr, arr.length, depth + 1));
      } catch (e) {
        if (e instanceof JsonParseError) e.path.unshift(arr.length);
        throw e;
      }
      this.skipSpace();
      const c = this.src.charCodeAt(this.pos++);
      if (c === 0x5d) return arr;
      if (c !== 0x2c) this.fail('expected "," or "]"', this.pos - 1);
      this.skipSpace();
    }
  }

  string(): string {
    const src = this.src;
    let pos = ++this.pos;
    let start = pos;
    let out = '';
    for (;;) {
      const c = src.charCodeAt(pos);
      if (c === 0x22) {
        this.pos = pos + 1;
        return out + src.slice(start, pos);
      }
      if (c === 0x5c) {
        this.pos = pos;
        out += src.slice(start, pos) + this.escape();
        pos = start = this.pos;
      } else if (c >= 0x20) pos++;
      else this.fail('control character in a string', (this.pos = pos)); // also the end of input (NaN)
    }
  }

  escape(): string {
    const e = this.src[this.pos + 1] ?? '';
    if (e !== 'u') {
      const s = ESCAPES[e];
      if (s === undefined) this.fail(`invalid escape "\\${e}"`);
      this.pos += 2;
      return s;
    }
    const r = this.hex4(this.pos + 2);
    this.pos += 6;
    if (r < 0xd800 || r >= 0xe000) return String.fromCharCode(r);
    // Go pairs a high surrogate with an immediately following low one; anything else is U+FFFD.
    if (r < 0xdc00 && this.src.startsWith('\\u', this.pos)) {
      const low = this.hex4(this.pos + 2);
      if (low >= 0xdc00 && low < 0xe000) {
        this.pos += 6;
        return String.fromCharCode(r, low);
      }
    }
    return '\ufffd';
  }

  hex4(at: number): number {
    const digits = this.src.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail('invalid \\u escape', at);
    return parseInt(digits, 16);
  }

  number(holder: object | undefined, key: string | number): number | bigint {
    const src = this.src;
    const start = this.pos;
    let pos = start;
    if (src.charCodeAt(pos) === 0x2d) pos++;
    if (src.charCodeAt(pos) === 0x30) pos++;
    else if (isDigit(src.charCodeAt(pos))) while (isDigit(src.charCodeAt(pos))) pos++;
    else this.fail('invalid number', (this.pos = pos));
    let integer = true;
    if (src.charCodeAt(pos) === 0x2e) {
      integer = false;
      if (!isDigit(src.charCodeAt(++pos))) this.fail('invalid number', (this.pos = pos));
      while (isDigit(src.charCodeAt(pos))) pos++;
    }
    const e = src.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      const sign = src.charCodeAt(++pos);
      if (sign === 0x2b || sign === 0x2d) pos++;
      if (!isDigit(src.charCodeAt(pos))) this.fail('invalid number', (this.pos = pos));
      while (isDigit(src.charCodeAt(pos))) pos++;
    }
    this.pos = pos;
    const text = src.slice(start, pos);
    const n = Number(text);
    if (integer) return Number.isSafeInteger(n) ? n : BigInt(text);
    if (holder) recordLiteral(holder, key, text);
    return n;
  }
}
