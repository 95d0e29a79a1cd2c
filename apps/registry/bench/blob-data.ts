/**
 * Blob contents for the benchmark, generated rather than stored: a 64-byte header naming the blob, then a
 * repeating 1 MiB pseudo-random block, cut at the blob's size. Distinct names give distinct digests, the
 * bytes do not compress, and a blob of any size (2 GiB included) streams from constant memory.
 */
import { createHash, randomBytes } from 'node:crypto';

const BLOCK = randomBytes(1 << 20);
const HEADER_SIZE = 64;

export interface BlobSpec {
  readonly name: string;
  readonly size: number;
}

function header(name: string): Buffer {
  const h = Buffer.alloc(HEADER_SIZE, 0x20);
  h.write(name.slice(0, HEADER_SIZE), 'utf8');
  return h;
}

/** The bytes [start, end) of the blob, as subarrays of shared buffers (never copied). */
export function* blobBytes(spec: BlobSpec, start = 0, end = spec.size): Generator<Buffer> {
  const head = header(spec.name);
  let offset = start;
  while (offset < end) {
    if (offset < HEADER_SIZE) {
      const piece = head.subarray(offset, Math.min(HEADER_SIZE, end));
      offset += piece.length;
      yield piece;
      continue;
    }
    const inBlock = (offset - HEADER_SIZE) % BLOCK.length;
    const piece = BLOCK.subarray(inBlock, Math.min(BLOCK.length, inBlock + (end - offset)));
    offset += piece.length;
    yield piece;
  }
}

const digests = new Map<string, string>();

/** The blob's sha256 digest, computed once (outside the timed sections) and cached. */
export function blobDigest(spec: BlobSpec): string {
  const key = `${spec.name}/${spec.size}`;
  let digest = digests.get(key);
  if (digest === undefined) {
    const hash = createHash('sha256');
    for (const piece of blobBytes(spec)) hash.update(piece);
    digest = `sha256:${hash.digest('hex')}`;
    digests.set(key, digest);
  }
  return digest;
}
