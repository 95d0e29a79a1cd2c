import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type JsonValue, JsonParseError, parseJson } from './json-parse.js';
import { isIntegerLiteral, literalOf } from './number-literals.js';

function error(input: string | Buffer): JsonParseError {
  try {
    parseJson(input);
  } catch (e) {
    if (e instanceof JsonParseError) return e;
    throw e;
  }
  assert.fail(`parsed ${String(input)}`);
}

describe('strict JSON parser', () => {
  it('parses RFC 8259 JSON into plain values', () => {
    const v = parseJson(' {"a":[1,-2,"x\\n\\u00e9",true,false,null,{}],"b":{"c":[]}}\r\n\t');
    assert.deepEqual(v, { a: [1, -2, 'x\né', true, false, null, {}], b: { c: [] } });
  });

  it('refuses what Go refuses', () => {
    for (const bad of [
      '{"a":1,}',
      '[1,]',
      '{"a":01}',
      '{"a":.5}',
      '{"a":1.}',
      '{"a":+1}',
      '{"a":NaN}',
      '{a:1}',
      "{'a':1}",
      '{"a":1}/**/',
      '\ufeff{}',
      '{"a":1}\u00a0',
      '{"a":"\t"}',
      '{"a":"\\x41"}',
      '{"a":"\\u12"}',
      '[1 2]',
      '{"a":1} {"b":2}',
      '',
      'nul',
      '{"a":tru}',
      '"\\ud800',
      '{"a":1\u000b}',
    ])
      assert.ok(error(bad), bad);
    assert.equal(error('{"a":1} x').reason, 'unexpected data after the JSON value');
  });

  it('reports a duplicate key with its path, in maps and arrays too', () => {
    const e = error('{"HostConfig":{"Mounts":[{},{"Type":"bind","Type":"volume"}]}}');
    assert.equal(e.duplicate, 'Type');
    assert.deepEqual(e.path, ['HostConfig', 'Mounts', 1]);
    assert.equal(error('{"a":1,"\\u0061":2}').duplicate, 'a'); // equal once unescaped
    assert.equal(error('{"__proto__":1,"__proto__":2}').duplicate, '__proto__');
    assert.doesNotThrow(() => parseJson('{"a":1,"A":2,"constructor":3,"toString":4}'));
  });

  it('keeps a __proto__ key an own property', () => {
    const v = parseJson('{"__proto__":{"polluted":true}}') as Record<string, JsonValue>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.keys(v), ['__proto__']);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('keeps numbers exact: safe integers, bigints beyond, float literals recorded', () => {
    const v = parseJson(
      '[9007199254740991,9007199254740992,-9223372036854775808,1.0,1e3,2.5,-0,0]',
    ) as JsonValue[];
    assert.deepEqual(v, [9007199254740991, 9007199254740992n, -9223372036854775808n, 1, 1000, 2.5, -0, 0]);
    assert.ok(Object.is(v[6], -0));
    assert.deepEqual(
      v.map((x, i) => isIntegerLiteral(v, i, x)),
      [true, true, true, false, false, false, true, true],
    );
    assert.equal(literalOf(v, 3, 1), '1.0');
    assert.equal(literalOf(v, 3, 2), undefined); // the slot no longer holds what was read
  });

  it('decodes invalid UTF-8 and lone surrogates as Go does: one U+FFFD per bad byte', () => {
    const bytes = Buffer.concat([
      Buffer.from('["'),
      Buffer.from([0xe2, 0x82, 0x41, 0xff, 0xc3, 0xa9]),
      Buffer.from('"]'),
    ]);
    assert.equal(Buffer.from([0xe2, 0x82, 0x41]).toString(), '\ufffdA'); // WHATWG: one for the truncated sequence
    assert.deepEqual(parseJson(bytes), ['\ufffd\ufffdA\ufffdé']);
    assert.deepEqual(parseJson(Buffer.from([0x5b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x5d])), [
      '\ufffd\ufffd\ufffd',
    ]);
    assert.deepEqual(parseJson('["\\ud800","\\ud800\\u0041","\\udc00\\ud800","\\ud83d\\ude00"]'), [
      '\ufffd',
      '\ufffdA',
      '\ufffd\ufffd',
      '😀',
    ]);
  });

  it('refuses nesting deeper than any Engine API body', () => {
    assert.match(error('['.repeat(600) + ']'.repeat(600)).reason, /nested deeper/);
    assert.doesNotThrow(() => parseJson('['.repeat(100) + ']'.repeat(100)));
  });
});
