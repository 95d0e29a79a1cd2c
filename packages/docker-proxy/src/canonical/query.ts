/**
 * The query string as the engine reads it (Go's url.ParseQuery through net/http's ParseForm), checked
 * against the parameters the Engine API documents for the endpoint, and rebuilt so the engine sees exactly
 * the pairs the proxy checked.
 *
 * Invariants:
 * - Pairs split on `&` only; a pair holding `;` is refused (Go ≥ 1.17 refuses it; older Go split on it).
 * - Names and values are unescaped as Go does (`+` is a space, `%XX` must be hex); a bad escape, bytes that
 *   are not UTF-8 once unescaped, or raw non-ASCII or control characters are refused, since the engine
 *   would hold bytes the proxy cannot represent.
 * - A parameter the endpoint takes once is refused when repeated: the engine's r.Form.Get reads the first,
 *   a policy might read another. Unknown parameters are refused unless `allowUnknown`.
 * - The result (without `?`) parses to the same pairs under Go's ParseQuery and WHATWG URLSearchParams.
 */
import type { DecodeOptions } from './decode.js';
import { ENGINE_QUERY_PARAMETERS } from './engine-schemas.generated.js';
import * as refuse from './refuse.js';

/** "METHOD /path" → parameter name → may it be repeated. */
const tables = new Map<string, ReadonlyMap<string, boolean>>();

/**
 * Parameters the docker CLIs send and the engine reads that the specifications leave out. Each is decided
 * by a policy like any other (the build's in build-policy.ts; `details` only adds log attributes).
 */
const UNDOCUMENTED: Readonly<Record<string, string>> = {
  'POST /build': 'securityopt cgroupparent cpusetmems ulimits',
  'GET /containers/{id}/logs': 'details',
};

function parametersOf(endpoint: string): ReadonlyMap<string, boolean> {
  let table = tables.get(endpoint);
  if (!table) {
    const documented = Object.hasOwn(ENGINE_QUERY_PARAMETERS, endpoint)
      ? ENGINE_QUERY_PARAMETERS[endpoint]!
      : '';
    const extra = Object.hasOwn(UNDOCUMENTED, endpoint) ? UNDOCUMENTED[endpoint]! : '';
    const names = `${documented} ${extra}`.split(' ').filter(Boolean);
    table = new Map(names.map((n) => (n.endsWith('[]') ? [n.slice(0, -2), true] : [n, false])));
    tables.set(endpoint, table);
  }
  return table;
}

/** The checked, rebuilt query of `url` (a request target such as `/v1.41/containers/json?all=1`), or ''. */
export function canonicalQuery(
  method: string,
  pathTemplate: string,
  url: string,
  options: DecodeOptions,
): string {
  const start = url.indexOf('?');
  if (start < 0) return '';
  const raw = url.slice(start + 1);
  const endpoint = `${method} ${pathTemplate}`;
  const known = parametersOf(endpoint);
  const seen = new Set<string>();
  const pairs: string[] = [];
  for (const pair of raw.split('&')) {
    if (pair.includes(';'))
      throw refuse.badQuery(`${JSON.stringify(pair)} holds ";", which the engine refuses: encode it as %3B`);
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = unescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : unescape(pair.slice(eq + 1));
    const repeatable = known.get(name);
    if (repeatable === undefined && !options.allowUnknown) throw refuse.unknownParameter(name, endpoint);
    // An unknown parameter (administrators only) may be one the engine reads repeated: it is passed on.
    if (repeatable === false && seen.has(name)) throw refuse.repeatedParameter(name, endpoint);
    seen.add(name);
    pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  return pairs.join('&');
}

const SAFE = /^[\x21-\x7e]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Go's QueryUnescape, refusing what it would turn into bytes that are not UTF-8. */
function unescape(s: string): string {
  if (!SAFE.test(s))
    throw refuse.badQuery(`${JSON.stringify(s)} holds a character that must be percent-encoded`);
  if (!s.includes('%') && !s.includes('+')) return s;
  if (BAD_ESCAPE.test(s)) throw refuse.badQuery(`${JSON.stringify(s)} holds an invalid % escape`);
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw refuse.badQuery(`${JSON.stringify(s)} does not decode to UTF-8 text`);
  }
}
