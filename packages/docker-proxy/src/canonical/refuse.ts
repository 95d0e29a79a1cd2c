/**
 * The refusals of the canonical decoder, in words a docker CLI user can act on: each names the place in
 * the body (or the query parameter) and says what to send instead. All are 400s: the request is malformed
 * or ambiguous, whoever sends it.
 */
import { EngineRefusal } from '../refusals.js';
import type { JsonPath } from './json-parse.js';

/** `HostConfig.Mounts[0].Source`, `Labels["com.example.x"]`; keys as the client wrote them. */
export function formatPath(path: Readonly<JsonPath>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

const where = (path: Readonly<JsonPath>): string =>
  path.length === 0 ? 'the request body' : formatPath(path);

export function invalidJson(reason: string, offset: number): EngineRefusal {
  return new EngineRefusal(
    400,
    `the request body is not valid JSON (${reason} at character ${offset}): send valid JSON`,
  );
}

export function duplicateKey(path: Readonly<JsonPath>, key: string): EngineRefusal {
  return new EngineRefusal(
    400,
    `the request body is ambiguous: ${where(path)} has the key ${JSON.stringify(key)} twice: send each field once`,
  );
}

export function ambiguousFields(
  path: Readonly<JsonPath>,
  first: string,
  second: string,
  field: string,
): EngineRefusal {
  const target = formatPath([...path, field]);
  return new EngineRefusal(
    400,
    `the request body is ambiguous: ${JSON.stringify(first)} and ${JSON.stringify(second)} both set ${target}: send each field once`,
  );
}

export function ambiguousUnknown(path: Readonly<JsonPath>, first: string, second: string): EngineRefusal {
  return new EngineRefusal(
    400,
    `the request body is ambiguous: ${JSON.stringify(first)} and ${JSON.stringify(second)} in ${where(path)} ` +
      'name the same field for the engine: send each field once',
  );
}

export function unknownField(path: Readonly<JsonPath>, endpoint: string): EngineRefusal {
  return new EngineRefusal(
    400,
    `${formatPath(path)} is not a field Stevedore knows for ${endpoint}, so it is refused: remove it, or ask an administrator`,
  );
}

export function wrongType(path: Readonly<JsonPath>, expected: string, got: string): EngineRefusal {
  return new EngineRefusal(
    400,
    `the request body does not decode: ${where(path)} must be ${expected}, not ${got}: send the type the Engine API documents`,
  );
}

export function emptyBody(endpoint: string): EngineRefusal {
  return new EngineRefusal(400, `the request body is empty: ${endpoint} expects a JSON body`);
}

export function badQuery(reason: string): EngineRefusal {
  return new EngineRefusal(400, `the query string is not valid: ${reason}`);
}

export function repeatedParameter(name: string, endpoint: string): EngineRefusal {
  return new EngineRefusal(
    400,
    `the query is ambiguous: ${JSON.stringify(name)} is given more than once, and ${endpoint} takes one: send it once`,
  );
}

export function unknownParameter(name: string, endpoint: string): EngineRefusal {
  return new EngineRefusal(
    400,
    `${JSON.stringify(name)} is not a query parameter Stevedore knows for ${endpoint}, so it is refused: remove it, or ask an administrator`,
  );
}
