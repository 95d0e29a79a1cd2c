/**
 * Bytes → string the way Go's encoding/json reads invalid UTF-8 in a string: each byte that does not start
 * a valid sequence becomes one U+FFFD (utf8.DecodeRune returns (RuneError, 1)). Buffer#toString follows the
 * WHATWG decoder instead, which turns a truncated sequence (`E2 82` then `A`) into a single U+FFFD where
 * Go gives two; the engine would then hold a different string from the one the proxy checked.
 * Valid input (nearly every body) takes the native path.
 */
import { isUtf8 } from 'node:buffer';

export function decodeUtf8LikeGo(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let start = 0; // start of the current run of valid bytes
  let i = 0;
  while (i < bytes.length) {
    const size = validSequenceAt(bytes, i);
    if (size > 0) {
      i += size;
      continue;
    }
    out += bytes.toString('utf8', start, i) + '\ufffd';
    i += 1;
    start = i;
  }
  return out + bytes.toString('utf8', start, i);
}

/** Length of the valid UTF-8 sequence at `i`, or 0 (Go's utf8.DecodeRune acceptance ranges). */
function validSequenceAt(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = b[i + j];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no surrogates
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
