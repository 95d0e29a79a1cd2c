/** The Engine API stream decoders: multiplexed and raw (TTY) logs, cut anywhere, and JSON-lines events. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEventDecoder, createLogDecoder, createLineSplitter } from '../src/api/docker-stream.js';

/** One multiplexed frame: header (stream, 0, 0, 0, big-endian length) and payload. */
function frame(stream: number, text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + payload.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, 8);
  return out;
}
const join = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('log decoder', () => {
  it('splits multiplexed frames into stdout and stderr lines', () => {
    const d = createLogDecoder();
    const lines = d.push(join(frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, 'a\nb\n')));
    assert.deepEqual(lines, [
      { stream: 'stdout', text: 'hello' },
      { stream: 'stderr', text: 'oops' },
      { stream: 'stdout', text: 'a' },
      { stream: 'stdout', text: 'b' },
    ]);
    assert.deepEqual(d.end(), []);
  });

  it('keeps a frame cut at any byte until the rest arrives', () => {
    const bytes = join(frame(1, 'first line\n'), frame(2, 'second — ünïcode\n'));
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = createLogDecoder();
      const lines = [...d.push(bytes.slice(0, cut)), ...d.push(bytes.slice(cut)), ...d.end()];
      assert.deepEqual(
        lines.map((l) => `${l.stream}:${l.text}`),
        ['stdout:first line', 'stderr:second — ünïcode'],
        `cut at ${cut}`,
      );
    }
  });

  it('joins a line spread over several frames, and gives the last line without a newline at the end', () => {
    const d = createLogDecoder();
    assert.deepEqual(d.push(join(frame(1, 'hel'), frame(1, 'lo\nwor'))), [
      { stream: 'stdout', text: 'hello' },
    ]);
    assert.deepEqual(d.push(frame(1, 'ld')), []);
    assert.deepEqual(d.end(), [{ stream: 'stdout', text: 'world' }]);
  });

  it('reads a TTY stream (no frame headers) as raw stdout', () => {
    const d = createLogDecoder();
    const text = new TextEncoder().encode('plain output\r\nmore\n');
    assert.deepEqual(
      [...d.push(text.slice(0, 2)), ...d.push(text.slice(2)), ...d.end()],
      [
        { stream: 'stdout', text: 'plain output' },
        { stream: 'stdout', text: 'more' },
      ],
    );
  });

  it('handles empty frames and an empty stream', () => {
    const d = createLogDecoder();
    assert.deepEqual(d.push(join(frame(1, ''), frame(1, 'x\n'))), [{ stream: 'stdout', text: 'x' }]);
    assert.deepEqual(createLogDecoder().end(), []);
  });
});

describe('event decoder', () => {
  it('parses one JSON object per line across chunk boundaries and skips broken lines', () => {
    const d = createEventDecoder<{ Type: string }>();
    const bytes = new TextEncoder().encode('{"Type":"service"}\n{"Type":"cont');
    assert.deepEqual(d.push(bytes), [{ Type: 'service' }]);
    assert.deepEqual(d.push(new TextEncoder().encode('ainer"}\nnot json\n\n')), [{ Type: 'container' }]);
  });

  it('line splitter keeps the tail for later', () => {
    const s = createLineSplitter();
    assert.deepEqual(s.push('a\r\nb'), ['a']);
    assert.deepEqual(s.push('c\n'), ['bc']);
    assert.deepEqual(s.end(), []);
  });
});
