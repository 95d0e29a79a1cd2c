/**
 * The legacy builder's Dockerfile grammar (dockerd 20.10 vendors buildkit's frontend/dockerfile/parser and
 * shell lexer), ported rule for rule so the proxy reads a Dockerfile as the engine will: parser directives
 * (`# escape=`), comments, line continuations, case-insensitive instructions, `--flags`, the JSON (exec)
 * form, and word expansion (`$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR:+x}`, quotes, escapes).
 *
 * Invariants:
 * - Lines are handled as bytes (a latin1 string), where Go handles bytes: the flag scanner treats the
 *   bytes 0x85 and 0xA0 as spaces even inside a UTF-8 character, so the words after the flags are the ones
 *   Go sees. Words are decoded as UTF-8 only where Go decodes them (the shell lexer, JSON).
 * - Expansion never guesses: a value Stevedore cannot know makes the word uncertain from that point, and
 *   the certain part before it is kept (`https://example.com/${V}` still names its host).
 */

/** A variable's value, `found: false` when unset; undefined when it cannot be known. */
export type Lookup = (name: string) => { readonly found: boolean; readonly value: string } | undefined;
/** An expanded word; when not `sure`, `text` is only its certain beginning. */
export interface Lexed {
  readonly text: string;
  readonly sure: boolean;
}
export interface Instruction {
  /** Lower-cased the way Go's strings.ToLower does it. */
  readonly cmd: string;
  /** After the flags, UTF-8 decoded. */
  readonly args: string;
  /** The whole (joined) line, UTF-8 decoded: what ONBUILD keeps as its trigger. */
  readonly original: string;
}
export class LexError extends Error {}

/** Go's unicode.IsSpace, as UTF-8 byte sequences in a latin1 string, and as characters. */
const SPACE_BYTES =
  '(?:[\\t\\n\\v\\f\\r ]|\\xc2[\\x85\\xa0]|\\xe1\\x9a\\x80|\\xe2\\x80[\\x80-\\x8a\\xa8\\xa9\\xaf]|\\xe2\\x81\\x9f|\\xe3\\x80\\x80)';
const LEFT_SPACE = new RegExp(`^${SPACE_BYTES}+`);
const RIGHT_SPACE = new RegExp(`${SPACE_BYTES}+$`);
export const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
const BYTE_SPACE = new Set(['\t', '\n', '\v', '\f', '\r', ' ', '\x85', '\xa0']);
const SPECIAL = new Set(['@', '*', '#', '?', '-', '$', '!']);

export const utf8 = (bytes: string) => Buffer.from(bytes, 'latin1').toString('utf8');
const trimLeft = (b: string) => b.replace(LEFT_SPACE, '');
const trimSpace = (b: string) => trimLeft(b).replace(RIGHT_SPACE, '');

/** strings.ToLower: simple case mapping, so `ONBUİLD` is `onbuild` as it is for Go. */
function goLower(s: string): string {
  return Array.from(s, (c) => {
    if (c === '\u0130') return 'i';
    if (c === '\u212a') return 'k';
    const l = c.toLowerCase();
    return Array.from(l).length === 1 ? l : c;
  }).join('');
}

/** extractBuilderFlags: byte by byte, `\` (never the escape directive) escaping, `--` ending the flags. */
function splitFlags(line: string): string {
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  for (let pos = 0; pos <= line.length; pos++) {
    let ch = line[pos] ?? '';
    if (phase === 'spaces') {
      if (pos === line.length) break;
      if (BYTE_SPACE.has(ch)) continue;
      if (ch !== '-' || line[pos + 1] !== '-') return line.slice(pos);
      phase = 'word';
    }
    if (pos === line.length) break;
    if (phase === 'word') {
      if (BYTE_SPACE.has(ch)) {
        phase = 'spaces';
        if (word === '--') return line.slice(pos);
        word = '';
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        phase = 'quote';
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === line.length) continue;
        ch = line[++pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      phase = 'word';
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === line.length) {
        phase = 'word';
        continue;
      }
      ch = line[++pos]!;
    }
    word += ch;
  }
  return '';
}

function instruction(line: string): Instruction | undefined {
  const trimmed = trimSpace(line);
  const ws = /[\t\v\f\r ]+/.exec(trimmed);
  const head = ws ? trimmed.slice(0, ws.index) : trimmed;
  const rest = ws ? splitFlags(trimmed.slice(ws.index + ws[0].length)) : '';
  if (head === '') return undefined;
  return { cmd: goLower(utf8(head)), args: utf8(trimSpace(rest)), original: utf8(line) };
}

/**
 * The instructions of a Dockerfile (bytes as a latin1 string) and its escape token. `escape` forces the
 * token, to read the file as it would be read if the directive were understood otherwise.
 */
export function parseDockerfile(
  bytes: string,
  escape?: string,
): { instructions: Instruction[]; escape: string } {
  const lines = bytes.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0]?.startsWith('\xef\xbb\xbf')) lines[0] = lines[0].slice(3);
  let token = escape ?? '\\';
  let done = false;
  const seen = new Set<string>();
  const directive = (line: string) => {
    if (done) return;
    const m = DIRECTIVE.exec(line);
    const key = m?.[1]?.toLowerCase();
    if (!m || (key !== 'escape' && key !== 'syntax')) {
      done = true;
      return;
    }
    // A repeated or invalid directive fails the engine's parse; reading on finds more, never less.
    if (key === 'escape' && !seen.has(key) && escape === undefined && (m[2] === '`' || m[2] === '\\'))
      token = m[2];
    seen.add(key);
  };
  const isComment = (raw: string) => trimLeft(raw.replace(/[\r\n]+$/, '')).startsWith('#');
  const continued = (line: string): [string, boolean] => {
    const re = new RegExp(`\\${token}[ \\t]*$`);
    return re.test(line) ? [line.replace(re, ''), false] : [line, true];
  };
  const instructions: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = trimLeft(lines[i++]!.replace(/[\r\n]+$/, ''));
    directive(first);
    let [line, end] = continued(isComment(first) ? '' : first);
    if (end && line === '') continue;
    while (!end && i < lines.length) {
      const raw = lines[i++]!;
      const token2 = raw.replace(/[\r\n]+$/, '');
      directive(token2);
      if (isComment(raw) || trimLeft(token2) === '') continue;
      const [more, last] = continued(token2);
      line += more;
      end = last;
    }
    const parsed = instruction(line);
    if (parsed) instructions.push(parsed);
  }
  return { instructions, escape: token };
}

/** Whether a comment before the first instruction mentions an escape directive at all. */
export function mentionsEscape(bytes: string): boolean {
  for (const raw of bytes.split('\n')) {
    const line = trimLeft(raw);
    if (line === '' || line === '\r') continue;
    if (!line.startsWith('#')) return false;
    if (/escape/i.test(line)) return true;
  }
  return false;
}

/** parseWords (ENV, ARG): words split on spaces outside quotes; quotes and escapes are kept for the lexer. */
export function parseWords(rest: string, escape: string): string[] {
  const cs = Array.from(rest);
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= cs.length; pos++) {
    let ch = cs[pos] ?? '';
    if (phase === 'spaces') {
      if (pos === cs.length) break;
      if (GO_SPACE.test(ch)) continue;
      phase = 'word';
    }
    if (pos === cs.length) {
      if (blankOK || word !== '') words.push(word);
      break;
    }
    if (phase === 'word') {
      if (GO_SPACE.test(ch)) {
        phase = 'spaces';
        if (blankOK || word !== '') words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (pos + 1 === cs.length) continue;
        word += ch;
        ch = cs[++pos]!;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escape && quote !== "'") {
      if (pos + 1 === cs.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      ch = cs[++pos]!;
    }
    word += ch;
  }
  return words;
}

/** ADD's arguments: a JSON array of strings when the rest starts with one (Go decodes the first value). */
export function addArguments(args: string): string[] {
  const rest = args.replace(new RegExp(`^${GO_SPACE.source}+`), '');
  if (rest.startsWith('[')) {
    let depth = 0;
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i];
      if (c === '"') {
        for (i++; i < rest.length && rest[i] !== '"'; i++) if (rest[i] === '\\') i++;
      } else if (c === '[' || c === '{') depth++;
      else if ((c === ']' || c === '}') && --depth === 0) {
        try {
          const value: unknown = JSON.parse(rest.slice(0, i + 1));
          if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
        } catch {
          // not JSON: the whitespace form below, as Go falls back to it
        }
        break;
      }
    }
  }
  return args === '' ? [] : args.split(/[\t\v\f\r ]+/);
}

const cat = (a: Lexed, b: Lexed): Lexed => (a.sure ? { text: a.text + b.text, sure: b.sure } : a);
const sure = (text: string): Lexed => ({ text, sure: true });
const UNSURE: Lexed = { text: '', sure: false };

/** shell.Lex.ProcessWord: one word expanded, quotes removed. Throws LexError where the engine fails. */
export function expandWord(word: string, escape: string, lookup: Lookup): Lexed {
  const c = Array.from(word);
  let i = 0;
  const get = (name: string) => (SPECIAL.has(name) ? undefined : lookup(name));
  const value = (name: string): Lexed => {
    const v = get(name);
    return v === undefined ? UNSURE : sure(v.value);
  };
  const name = (): string => {
    let n = '';
    while (i < c.length) {
      const ch = c[i]!;
      if (n === '' && /\p{Nd}/u.test(ch)) {
        while (i < c.length && /\p{Nd}/u.test(c[i]!)) n += c[i++];
        return n;
      }
      if (n === '' && SPECIAL.has(ch)) return c[i++]!;
      if (!/[\p{L}\p{Nd}_]/u.test(ch)) break;
      n += c[i++];
    }
    return n;
  };
  const dollar = (): Lexed => {
    i++;
    if (c[i] !== '{') {
      const n = name();
      return n === '' ? sure('$') : value(n);
    }
    i++;
    if (c[i] === undefined || c[i] === '{' || c[i] === '}' || c[i] === ':')
      throw new LexError('bad substitution');
    const n = name();
    const ch = c[i++];
    if (ch === '}') return value(n);
    if (ch !== ':') throw new LexError("missing ':' in substitution");
    const modifier = c[i++];
    const alternative = stopOn('}');
    const v = get(n);
    if (v === undefined) return UNSURE;
    if (modifier === '+') return v.value !== '' ? alternative : sure('');
    if (modifier === '-') return v.value === '' ? alternative : sure(v.value);
    if (modifier === '?' && v.value !== '') return sure(v.value);
    throw new LexError(`\${${n}:${modifier}…} fails`);
  };
  const single = (): Lexed => {
    const close = c.indexOf("'", i + 1);
    if (close < 0) throw new LexError('unmatched single quote');
    const text = c.slice(i + 1, close).join('');
    i = close + 1;
    return sure(text);
  };
  const double = (): Lexed => {
    let r = sure('');
    for (i++; ;) {
      const ch = c[i];
      if (ch === undefined) throw new LexError('unmatched double quote');
      if (ch === '"') {
        i++;
        return r;
      }
      if (ch === '$') {
        r = cat(r, dollar());
        continue;
      }
      i++;
      let out = ch;
      if (ch === escape) {
        const n = c[i];
        if (n === undefined) continue;
        if (n === '"' || n === '$' || n === escape) out = c[i++]!;
      }
      r = cat(r, sure(out));
    }
  };
  const stopOn = (stop?: string): Lexed => {
    let r = sure('');
    while (i < c.length) {
      const ch = c[i]!;
      if (stop !== undefined && ch === stop) {
        i++;
        return r;
      }
      if (ch === "'") r = cat(r, single());
      else if (ch === '"') r = cat(r, double());
      else if (ch === '$') r = cat(r, dollar());
      else {
        i++;
        if (ch === escape) {
          if (i === c.length) break;
          r = cat(r, sure(c[i++]!));
        } else r = cat(r, sure(ch));
      }
    }
    if (stop !== undefined) throw new LexError(`missing ${stop}`);
    return r;
  };
  return stopOn();
}
