/**
 * The few members of a listed element that a decision needs (its labels, its service), parsed from the
 * element's bytes at the spans json-array-scan.ts noted, instead of parsing the whole element. The result
 * is a skeleton of the element holding only the picked members, on which the functions that read a whole
 * element (labels.ts, list-filter.ts) give the same answers, because it follows JSON.parse: a member named
 * twice counts as its last occurrence, whole; keys are compared unescaped; an object member that is no
 * object in this element (`"Spec": null`) is taken as it is.
 *
 * Trees are compiled once (`fieldPicker`): keys are compared as bytes, and only a key with an escape in it
 * is decoded.
 */
import type { MemberSpans } from './json-array-scan.js';

/** Members to pick: `true` parses the member's value whole; a tree picks inside an object value. */
export interface FieldTree {
  readonly [key: string]: true | FieldTree;
}

type Json = Record<string, unknown>;

/** One level of a compiled tree: each key as bytes, and what to do with its value. */
interface Level {
  readonly keys: readonly { name: string; bytes: Buffer; sub: Level | undefined }[];
}

export type FieldPicker = (element: Buffer, members: MemberSpans) => Json | undefined;

const OPEN_BRACE = 0x7b;
const BACKSLASH = 0x5c;

function compile(tree: FieldTree): Level {
  return {
    keys: Object.entries(tree).map(([name, want]) => ({
      name,
      bytes: Buffer.from(name, 'utf8'),
      sub: want === true ? undefined : compile(want),
    })),
  };
}

function firstByte(bytes: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

/** The key of `level` that the bytes `element[start, end)` (a key, still escaped) name, if any. */
function match(level: Level, element: Buffer, start: number, end: number) {
  let escaped = false;
  for (let i = start; i < end; i++) if (element[i] === BACKSLASH) escaped = true;
  if (escaped) {
    const name = JSON.parse(element.toString('utf8', start - 1, end + 1)) as string;
    return level.keys.find((k) => k.name === name);
  }
  for (const key of level.keys) {
    const { bytes } = key;
    if (bytes.length !== end - start) continue;
    let same = true;
    for (let i = 0; i < bytes.length && same; i++) same = element[start + i] === bytes[i];
    if (same) return key;
  }
  return undefined;
}

/**
 * A picker for `tree` (at most as deep as the scanner's fieldDepth): the skeleton of an element with the
 * members the tree names, or undefined when the element is not an object (the caller then parses it
 * whole). Throws (SyntaxError) when a picked value is not JSON or a member has no value.
 */
export function fieldPicker(tree: FieldTree): FieldPicker {
  const root = compile(tree);
  return (element, members) => {
    if (firstByte(element, 0, element.length) !== OPEN_BRACE) return undefined;
    const out: Json = {};
    // Per member: the skeleton object its value became and the level picked in it (objects picked into).
    const holders: (Json | undefined)[] = [];
    const levels: (Level | undefined)[] = [];
    for (let k = 0; k < members.count; k++) {
      const depth = members.depth(k);
      const target = depth === 1 ? out : holders[members.parent(k)];
      const level = depth === 1 ? root : levels[members.parent(k)];
      if (target === undefined || level === undefined) continue;
      const key = match(level, element, members.keyStart(k), members.keyEnd(k));
      if (key === undefined) continue;
      const [start, end] = [members.valueStart(k), members.valueEnd(k)];
      if (start < 0 || end < start)
        throw new SyntaxError(`member ${JSON.stringify(key.name)} of a listed element has no value`);
      if (key.sub !== undefined && firstByte(element, start, end) === OPEN_BRACE) {
        const holder: Json = {};
        target[key.name] = holder;
        holders[k] = holder;
        levels[k] = key.sub;
      } else target[key.name] = JSON.parse(element.toString('utf8', start, end)) as unknown;
    }
    return out;
  };
}
