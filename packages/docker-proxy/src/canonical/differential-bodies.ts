/**
 * Request bodies for the differential test (differential.int.test.ts), written as JSON text so they can hold
 * what a JavaScript value cannot: keys in any case, U+017F / U+212A in place of s / k, keys that fold onto
 * each other, exact duplicates, unknown fields, float literals for int fields, numbers beyond 2^53, lone
 * surrogate escapes and invalid UTF-8. Deterministic: the same seed gives the same bodies.
 *
 * Bodies are synthesized from the schemas, or are real docker CLI bodies (differential-cli-bodies.json,
 * captured from CLI 28.2 and 20.10) rewritten with the same mutations.
 */
import { foldKey } from './fold.js';
import type { Schema } from './schema.js';

/** mulberry32: small, fast, and good enough to spread test cases. */
export class Random {
  constructor(private state: number) {}
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

// Placeholders for bytes a JavaScript string cannot hold, replaced in toBytes().
const INVALID_UTF8: Record<string, number[]> = {
  '\ue000': [0xe2, 0x82], // truncated: Go reads two U+FFFD, WHATWG one
  '\ue001': [0xff],
  '\ue002': [0xed, 0xa0, 0x80], // a UTF-8 encoded surrogate
  '\ue003': [0xc0, 0xaf], // overlong
};

// JSON text of values; a string's text goes between quotes as-is (escapes included).
const STRINGS = [
  ...'x busybox:latest /srv:/srv:ro a=b é 日本 \\u00e9 \\ud83d\\ude00 \\ud800 \\udc00x \\"q\\" line\\nbreak'.split(
    ' ',
  ),
  ...'\\u0000 a\ue000b \ue001 \ue002 \ue003z \u2028 Bind\u017f'.split(' '),
  '',
];
const INTEGERS = [
  ...'0 1 -1 -0 7 1024 2147483648 4294967296 9007199254740993 9223372036854775807'.split(' '),
  ...'9223372036854775808 -9223372036854775808 -9223372036854775809 18446744073709551615'.split(' '),
  ...'18446744073709551616 1.0 1e3 1.5 -0.0'.split(' '),
];
const NUMBERS = [
  ...'0 0.1 1 -0 -0.0 1e-7 0.30000000000000004 1.5e300 1e400 16777217 0.10000000149011612'.split(' '),
  '3.4028235677973366e38', // float32's overflow boundary
];
const UNKNOWN_KEYS = 'Foo Privileged Cpuset x-stevedore Bindz Ιmage Prıvileged HOST_CONFIG'.split(' ');
const SPACE = ['', '', '', ' ', '\n', '\t', '\r\n '];

export class BodyWriter {
  constructor(private readonly r: Random) {}

  private space(): string {
    return this.r.chance(0.1) ? this.r.pick(SPACE) : '';
  }

  /** A struct field's key as a client might spell it: mostly right, often in another case or folded. */
  key(name: string): string {
    const x = this.r.next();
    if (x < 0.55) return name;
    if (x < 0.8)
      return [...name].map((c) => (this.r.chance(0.5) ? c.toLowerCase() : c.toUpperCase())).join('');
    if (x < 0.92)
      return name.replace(/[sk]/gi, (c) => (this.r.chance(0.6) ? (/s/i.test(c) ? '\u017f' : '\u212a') : c));
    if (x < 0.96) return name.replace(/i/i, 'ı'); // folds onto nothing: an unknown field
    return name.toLowerCase();
  }

  private object(entries: [string, string][]): string {
    const members = entries.map(([k, v]) => `${this.space()}"${k}"${this.space()}:${this.space()}${v}`);
    return `{${members.join(',')}${this.space()}}`;
  }

  /** Injections into a struct: a second key for one field, an exact duplicate, an unknown field. */
  private inject(entries: [string, string][], names: string[]): void {
    if (entries.length > 0 && this.r.chance(0.03)) entries.push([this.key(this.r.pick(names)), 'null']);
    if (entries.length > 0 && this.r.chance(0.015)) entries.push(this.r.pick(entries));
    if (this.r.chance(0.04)) entries.push([this.r.pick(UNKNOWN_KEYS), this.any(1)]);
  }

  /** A value of `schema`, synthesized. */
  value(schema: Schema, depth: number): string {
    if (this.r.chance(0.03)) return 'null';
    if (this.r.chance(0.015)) return this.any(2); // most likely the wrong type
    switch (schema.kind) {
      case 'object': {
        const names = Object.keys(schema.fields);
        const p = depth === 0 ? 0.4 : depth < 3 ? 0.25 : 0.1;
        const entries: [string, string][] = names
          .filter(() => this.r.chance(p))
          .map((n) => [this.key(n), this.value(schema.fields[n]!, depth + 1)]);
        this.inject(entries, names);
        return this.object(entries);
      }
      case 'map': {
        const keys = ['a', 'A', 'com.example.x', '__proto__', 'net1', '80/tcp', 'é'].filter(() =>
          this.r.chance(0.2),
        );
        return this.object(keys.map((k) => [k, this.value(schema.values, depth + 1)]));
      }
      case 'array':
        return `[${[0, 1, 2]
          .filter(() => this.r.chance(0.4))
          .map(() => this.value(schema.items, depth + 1))
          .join(',')}]`;
      case 'string':
        return `"${this.r.pick(STRINGS)}"`;
      case 'boolean':
        return this.r.pick(['true', 'false']);
      case 'integer':
        return this.r.pick(INTEGERS);
      case 'number':
        return this.r.pick(NUMBERS);
      case 'any':
        return this.any(2);
    }
  }

  /** Free-form JSON. */
  any(depth: number): string {
    const x = this.r.next();
    if (depth <= 0 || x < 0.5)
      return this.r.pick(['1', '1.0', '-0', '"s"', 'true', 'null', '1e2', '12345678901234567890']);
    if (x < 0.75) return `[${this.any(depth - 1)}]`;
    return this.object([[this.r.pick(['k', 'K', 'Name', 'name']), this.any(depth - 1)]]);
  }

  /** A real body rewritten: struct keys respelled, values sometimes replaced, injections as above. */
  rewrite(v: unknown, schema: Schema | undefined, depth: number): string {
    if (v === null || typeof v !== 'object') {
      if (schema && schema.kind !== 'object' && schema.kind !== 'map' && this.r.chance(0.05))
        return this.value(schema, depth);
      return JSON.stringify(v);
    }
    if (Array.isArray(v)) {
      const items = schema?.kind === 'array' ? schema.items : undefined;
      return `[${v.map((x) => this.rewrite(x, items, depth + 1)).join(',')}]`;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    if (schema?.kind === 'map')
      return this.object(entries.map(([k, x]) => [k, this.rewrite(x, schema.values, depth + 1)]));
    const struct = schema?.kind === 'object' ? schema : undefined;
    const fieldOf = (k: string) => struct?.folded.get(foldKey(k))?.[1];
    const out: [string, string][] = entries.map(([k, x]) => [
      this.key(k),
      this.rewrite(x, fieldOf(k), depth + 1),
    ]);
    if (struct) this.inject(out, Object.keys(struct.fields));
    return this.object(out);
  }
}

/** The body's bytes, with the invalid UTF-8 placeholders made real. */
export function toBytes(text: string): Buffer {
  return Buffer.concat(
    text.split(/([\ue000-\ue003])/).map((part) => Buffer.from(INVALID_UTF8[part] ?? Buffer.from(part))),
  );
}
