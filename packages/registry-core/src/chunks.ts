/**
 * Chunk bookkeeping shared by upload paths: a chunk's declared bounds, the `Range` header of a session,
 * and a stream wrapper that fails (so the driver cuts the data back) when a chunk's length is not what
 * its Content-Range or Content-Length said.
 */
import { registryError } from './errors.js';

/** A chunk's declared place, from Content-Range (inclusive) and/or Content-Length. */
export interface ChunkBounds {
  readonly start?: number;
  readonly end?: number;
  readonly length?: number;
}

/** The `Range` header value for an upload of `size` bytes (distribution writes 0-0 when empty). */
export function uploadRange(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}

export async function* exactly(
  source: AsyncIterable<Buffer>,
  expected: number | undefined,
): AsyncIterable<Buffer> {
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (expected !== undefined && seen > expected) break;
    yield chunk;
  }
  if (expected !== undefined && seen !== expected) {
    throw registryError(
      'SIZE_INVALID',
      `chunk holds ${seen} bytes but its Content-Range/Content-Length says ${expected}`,
      {
        detail: { expected, received: seen },
      },
    );
  }
}
