/**
 * How a number was written, kept beside the parsed value so the values themselves stay plain JavaScript.
 *
 * Numbers are plain: a `number` for an integer literal that is a safe integer and for every non-integer
 * literal (`1.5`, `1e3`, `1.0`), a `bigint` for an integer literal beyond the safe range. What a plain
 * number loses is whether it was written as an integer (Go's int fields refuse `1.0` and `1e3`) and its
 * exact digits (a Go float32 rounds the decimal text once; rounding it through a float64 first may differ).
 * So the text of every non-integer literal is recorded here, keyed by the object or array holding it and
 * the key or index. serialize() writes that text back, but only while the slot still holds the value read
 * from it: a policy that rewrites the slot gets its own value written.
 */

const literals = new WeakMap<object, Map<string | number, string>>();

export function recordLiteral(holder: object, key: string | number, text: string): void {
  let slots = literals.get(holder);
  if (!slots) literals.set(holder, (slots = new Map<string | number, string>()));
  slots.set(key, text);
}

/** The non-integer literal `holder[key]` was read from, if it still holds that value. */
export function literalOf(holder: object, key: string | number, value: number): string | undefined {
  const text = literals.get(holder)?.get(key);
  return text !== undefined && Object.is(Number(text), value) ? text : undefined;
}

/** Whether the number in `holder[key]` was written as an integer literal (no fraction, no exponent). */
export function isIntegerLiteral(holder: object, key: string | number, value: number | bigint): boolean {
  if (typeof value === 'bigint') return true;
  return Number.isInteger(value) && literalOf(holder, key, value) === undefined;
}
