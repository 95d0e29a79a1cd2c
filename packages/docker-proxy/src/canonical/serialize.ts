/**
 * JSON for the engine from the proxy's own structure: what Go decodes from these bytes is the value the
 * proxy checked. Bigints are written as their digits, -0 as `-0` (Go keeps a float's sign), a number read
 * from a non-integer literal as that literal (number-literals.ts: `1.0` stays a float for Go, a float32
 * field rounds the client's decimal once), any other number in JavaScript's shortest round-trip form,
 * which Go's correctly rounded parser reads back to the same float64. Like JSON.stringify, `undefined`
 * members are left out (and are `null` in arrays).
 */
import { literalOf } from './number-literals.js';

export function serialize(value: unknown): Buffer {
  return Buffer.from(write(value, undefined, ''), 'utf8');
}

function write(v: unknown, holder: object | undefined, key: string | number): string {
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number': {
      const text = holder && literalOf(holder, key, v);
      if (text !== undefined) return text;
      if (!Number.isFinite(v)) throw new TypeError(`serialize: ${v} has no JSON form`);
      return Object.is(v, -0) ? '-0' : String(v);
    }
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          out += (i === 0 ? '' : ',') + (x === undefined ? 'null' : write(x, v, i));
        }
        return out + ']';
      }
      let out = '';
      const obj = v as Record<string, unknown>;
      for (const k in obj) {
        const x = obj[k];
        if (x === undefined || !Object.hasOwn(obj, k)) continue;
        out += `,${quote(k)}:${write(x, obj, k)}`;
      }
      return out === '' ? '{}' : `{${out.slice(1)}}`;
    }
    default:
      throw new TypeError(`serialize: a ${typeof v} has no JSON form`);
  }
}

/** JSON.stringify for a string, without its call for the usual string that needs no escape. */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}
