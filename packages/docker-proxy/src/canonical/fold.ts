/**
 * Go's key matching for struct fields (encoding/json: an exact match, else `bytes.EqualFold`, i.e. Unicode
 * simple folding). Every Engine API field name is ASCII, and the only non-ASCII runes whose fold orbit
 * holds an ASCII letter are U+017F (ſ, with s/S) and U+212A (KELVIN SIGN, with k/K). So folding ASCII
 * letters to upper case and those two runes to S and K gives keys that are equal exactly when Go would
 * match them to the same ASCII field; any other non-ASCII rune is kept and can never match one.
 *
 * Not String#toUpperCase on the whole key: that maps `ı` (U+0131) to I and `ß` to SS, which Go does not.
 */

const ASCII_ONLY = /^[\x00-\x7f]*$/;
const NON_ASCII_TO_FOLD = /[\u017f\u212a]/g;
const LOWER_ASCII = /[a-z]+/g;

/** The key as Go folds it for matching against ASCII field names. */
export function foldKey(key: string): string {
  if (ASCII_ONLY.test(key)) return key.toUpperCase();
  return key
    .replace(NON_ASCII_TO_FOLD, (c) => (c === '\u017f' ? 'S' : 'K'))
    .replace(LOWER_ASCII, (run) => run.toUpperCase());
}

/** Whether Go would match `key` to the field called `name` (ASCII). */
export function matchesField(key: string, name: string): boolean {
  return key === name || foldKey(key) === foldKey(name);
}
