import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonArrayScanner, NotJsonArrayError } from './json-array-scan.js';
import { fieldPicker } from './json-fields.js';

/** The elements of `text` as the scanner cuts them, with the text fed in pieces of `size` bytes. */
function scan(text: string | Buffer, size = Infinity): { elements: string[]; isArray: boolean | undefined } {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const scanner = new JsonArrayScanner();
  const elements: Buffer[] = [];
  const step = Number.isFinite(size) ? size : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step)
    scanner.push(bytes.subarray(i, i + step), (e) => elements.push(Buffer.from(e)));
  scanner.end();
  return { elements: elements.map((e) => e.toString('utf8')), isArray: scanner.isArray };
}

/** Every way of cutting `text` in two, and byte by byte, gives the same elements as the whole. */
function scanEveryWay(text: string): string[] {
  const whole = scan(text).elements;
  const bytes = Buffer.from(text);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const scanner = new JsonArrayScanner();
    const got: string[] = [];
    const onElement = (e: Buffer) => got.push(e.toString('utf8'));
    scanner.push(bytes.subarray(0, cut), onElement);
    scanner.push(bytes.subarray(cut), onElement);
    scanner.end();
    assert.deepEqual(got, whole, `cut at ${cut}`);
  }
  assert.deepEqual(scan(text, 1).elements, whole, 'byte by byte');
  return whole;
}

describe('JSON array scanner', () => {
  it('finds no element in empty arrays, whatever the whitespace', () => {
    for (const text of ['[]', '[ ]', ' \n[\t\r\n]\n', '[]\n'])
      assert.deepEqual(scanEveryWay(text), [], JSON.stringify(text));
  });

  it('hands over each element as the exact bytes written, whitespace around it left out', () => {
    assert.deepEqual(scanEveryWay('[{"a":1},{"b":[2, 3]}]\n'), ['{"a":1}', '{"b":[2, 3]}']);
    assert.deepEqual(scanEveryWay('[\n  {\n    "a": 1\n  } ,\n\t{ }\n]'), ['{\n    "a": 1\n  }', '{ }']);
  });

  it('is not misled by brackets, commas and quotes inside strings', () => {
    const tricky = [
      { s: '],[' },
      { s: '{"nested": "json"}' },
      { s: 'a "quoted" word' },
      { s: 'back\\slash' },
      { s: 'ends with a backslash \\' },
      { s: '\\"' },
      { 'key with ] and }': '[' },
      { s: 'line\nbreak\ttab\u0000nul' },
    ];
    const text = JSON.stringify(tricky);
    assert.deepEqual(
      scanEveryWay(text).map((e) => JSON.parse(e) as unknown),
      tricky,
    );
    // Escapes as other encoders write them: \/ and \u escapes, an escaped quote right before the end.
    const escaped = String.raw`[{"a":"\/\u005d\u0022\\"},"\"","\\",{"b":"x\\\"]"}]`;
    assert.deepEqual(
      scanEveryWay(escaped).map((e) => JSON.parse(e) as unknown),
      JSON.parse(escaped) as unknown[],
    );
  });

  it('keeps nested arrays and objects whole', () => {
    const text = '[[1,[2,[3]]],{"a":[{"b":{}},[]]},[],[[]]]';
    assert.deepEqual(scanEveryWay(text), ['[1,[2,[3]]]', '{"a":[{"b":{}},[]]}', '[]', '[[]]']);
  });

  it('cuts strings, numbers and literals as elements too', () => {
    assert.deepEqual(scanEveryWay('[1, -2.5e+3 ,true,false,null,"x",0]'), [
      '1',
      '-2.5e+3',
      'true',
      'false',
      'null',
      '"x"',
      '0',
    ]);
  });

  it('never splits a multi-byte character, however the bytes arrive', () => {
    const text = JSON.stringify([{ name: 'Zoë 🐳 ünïcödé' }, '日本語', { '🔑': '→]' }]);
    assert.deepEqual(
      scanEveryWay(text).map((e) => JSON.parse(e) as unknown),
      JSON.parse(text) as unknown[],
    );
  });

  it('says when the document is not an array, and leaves it alone', () => {
    for (const text of ['null', '{"Volumes":[]}', ' "x"', '5']) {
      const result = scan(text);
      assert.equal(result.isArray, false, text);
      assert.deepEqual(result.elements, []);
    }
    assert.equal(new JsonArrayScanner().isArray, undefined);
    assert.equal(scan('[]').isArray, true);
  });

  it('refuses what is not one whole array', () => {
    const broken = [
      '[1,]',
      '[,1]',
      '[1 2]',
      '[{]',
      '[}',
      '[{"a":1]]',
      '[["a"}]',
      '["abc',
      '[{"a":"b\\"}]',
      '[',
      '[1',
      '[1]x',
      '[1][2]',
      '[#]',
      '[1#]',
    ];
    for (const text of broken)
      assert.throws(() => scan(text), NotJsonArrayError, `${JSON.stringify(text)} should be refused`);
  });

  it('agrees with JSON.parse on random documents, however they are cut', () => {
    const random = prng(20261201);
    for (let doc = 0; doc < 300; doc++) {
      const value = Array.from({ length: random.int(6) }, () => randomValue(random, 4));
      const text = JSON.stringify(value, null, random.int(3) === 0 ? 2 : undefined);
      const bytes = Buffer.from(text);
      const size = 1 + random.int(Math.max(1, bytes.length));
      const { elements } = scan(bytes, size);
      assert.deepEqual(
        elements.map((e) => JSON.parse(e) as unknown),
        value,
        `document ${doc} in pieces of ${size}`,
      );
    }
  });
});

interface Random {
  int(below: number): number;
}

/** A small seeded generator (mulberry32), so a failure replays. */
function prng(seed: number): Random {
  let a = seed >>> 0;
  return {
    int(below) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
    },
  };
}

const PIECES = [
  '"',
  '\\',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  ' ',
  '\n',
  'a',
  'é',
  '🐳',
  '\u2028',
  '\u0001',
  'null',
];

function randomString(random: Random): string {
  return Array.from({ length: random.int(8) }, () => PIECES[random.int(PIECES.length)]!).join('');
}

function randomValue(random: Random, depth: number): unknown {
  const kind = random.int(depth > 0 ? 7 : 5);
  switch (kind) {
    case 0:
      return randomString(random);
    case 1:
      return random.int(2000) - 1000 + (random.int(2) === 0 ? 0 : 0.25);
    case 2:
      return random.int(2) === 0;
    case 3:
      return null;
    case 4:
      return randomString(random);
    case 5:
      return Array.from({ length: random.int(4) }, () => randomValue(random, depth - 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.int(4) }, () => [randomString(random), randomValue(random, depth - 1)]),
      );
  }
}

describe('member spans and the fields picked from them', () => {
  const pick = fieldPicker({ Labels: true, Spec: { Labels: true, Name: true } });
  /** What the picker should give: the same members, read from JSON.parse's value. */
  const expected = (value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const v = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    if ('Labels' in v) out['Labels'] = v['Labels'];
    if ('Spec' in v) {
      const spec = v['Spec'];
      if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
        const s = spec as Record<string, unknown>;
        out['Spec'] = {
          ...('Labels' in s ? { Labels: s['Labels'] } : {}),
          ...('Name' in s ? { Name: s['Name'] } : {}),
        };
      } else out['Spec'] = spec;
    }
    return out;
  };

  it('picks what JSON.parse reads: the last of a member given twice, escaped keys, odd values', () => {
    const text = String.raw`[
      {"Spec":{"Labels":{"a":1}},"Spec":{"Name":"second"}},
      {"Spe\u0063" : { "Lab\u0065ls" : {"b":"}]"} , "x":[{"Labels":0}] } },
      {"Labels":null,"Spec":null},
      {"Spec":[{"Labels":"in an array"}],"Labels":{"c":"\"]"}},
      {"Config":{"Spec":{"Labels":"too deep"}}},
      [1,2],
      "a string",
      {}
    ]`;
    const bytes = Buffer.from(text);
    for (let size = 1; size <= bytes.length; size += 7) {
      const scanner = new JsonArrayScanner({ fieldDepth: 2 });
      const got: unknown[] = [];
      for (let i = 0; i < bytes.length; i += size)
        scanner.push(bytes.subarray(i, i + size), (e, members) => got.push(pick(e, members)));
      scanner.end();
      assert.deepEqual(got, (JSON.parse(text) as unknown[]).map(expected), `pieces of ${size}`);
    }
  });

  it('agrees with JSON.parse on random objects, however they are cut', () => {
    const random = prng(7);
    for (let doc = 0; doc < 300; doc++) {
      const value = Array.from({ length: random.int(5) }, () => {
        const item = randomValue(random, 3);
        return random.int(2) === 0 && item !== null && typeof item === 'object' && !Array.isArray(item)
          ? { ...item, Spec: { Labels: randomValue(random, 1), Name: randomString(random) }, Labels: {} }
          : item;
      });
      const bytes = Buffer.from(JSON.stringify(value, null, random.int(2) === 0 ? 1 : undefined));
      const size = 1 + random.int(bytes.length);
      const scanner = new JsonArrayScanner({ fieldDepth: 2 });
      const got: unknown[] = [];
      for (let i = 0; i < bytes.length; i += size)
        scanner.push(bytes.subarray(i, i + size), (e, members) => got.push(pick(e, members)));
      scanner.end();
      assert.deepEqual(got, value.map(expected), `document ${doc}`);
    }
  });

  it('refuses a picked member without a value', () => {
    const scanner = new JsonArrayScanner({ fieldDepth: 2 });
    assert.throws(() => scanner.push(Buffer.from('[{"Labels":}]'), (e, m) => pick(e, m)), SyntaxError);
  });
});

describe('element offsets', () => {
  it('says where each element begins in the whole document, however it is cut', () => {
    const text = ' [ {"a":"]"} ,\n[1,2], "x" ,3 ]';
    const bytes = Buffer.from(text);
    for (let size = 1; size <= bytes.length; size++) {
      const scanner = new JsonArrayScanner({ fieldDepth: 2 });
      const got: [number, string][] = [];
      for (let i = 0; i < bytes.length; i += size)
        scanner.push(bytes.subarray(i, i + size), (e, _m, offset) => got.push([offset, e.toString()]));
      scanner.end();
      for (const [offset, element] of got)
        assert.equal(bytes.subarray(offset, offset + Buffer.byteLength(element)).toString(), element);
      assert.equal(got.length, 4, `pieces of ${size}`);
    }
  });
});
