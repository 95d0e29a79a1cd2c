/**
 * Parsing of the byte-range headers: `Range` on blob GET (RFC 9110 section 14, one range; several are
 * served as the whole blob, which the RFC allows) and `Content-Range` on chunk uploads (the spec's
 * `^[0-9]+-[0-9]+$`, also with the `bytes ` prefix some clients send).
 */
import type { ByteRange } from '@stevedore/blobstore';
import { registryError } from '@stevedore/registry-core';

export type RangeRequest =
  | { readonly kind: 'all' }
  | { readonly kind: 'part'; readonly range: ByteRange }
  | { readonly kind: 'unsatisfiable' };

const RANGE = /^bytes=(\d*)-(\d*)$/;

export function parseRangeHeader(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'all' };
  const match = RANGE.exec(header.trim());
  // A malformed or multi-range header is ignored (RFC 9110 14.2): the whole representation is served.
  if (!match) return { kind: 'all' };
  const [, first = '', second = ''] = match;
  if (first === '' && second === '') return { kind: 'all' };
  if (first === '') {
    const suffix = Number(second);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', range: { start: Math.max(size - suffix, 0), end: size - 1 } };
  }
  const start = Number(first);
  const end = second === '' ? size - 1 : Math.min(Number(second), size - 1);
  if (second !== '' && Number(second) < start) return { kind: 'all' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', range: { start, end } };
}

const CONTENT_RANGE = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/;

/** The inclusive range of a chunk, or undefined when the header is absent. */
export function parseContentRange(header: string | undefined): { start: number; end: number } | undefined {
  if (header === undefined || header === '') return undefined;
  const match = CONTENT_RANGE.exec(header.trim());
  if (!match) {
    throw registryError(
      'BLOB_UPLOAD_INVALID',
      `Content-Range "${header}" is malformed: expected <start>-<end>, e.g. 0-1023`,
    );
  }
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) {
    throw registryError('RANGE_INVALID', `Content-Range "${header}" ends before it starts`);
  }
  return { start, end };
}
