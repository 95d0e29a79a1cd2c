/**
 * Shape checks for what drivers turn into paths or keys. Drivers refuse anything else, so no digest or
 * upload id can ever name a path outside the driver's root (`../`, absolute paths, separators).
 */
import { InvalidArgumentError } from '@stevedore/errors';

// Algorithms are lower-case words; encodings are hex for every algorithm a registry accepts today.
const DIGEST = /^([a-z0-9]{1,32}):([a-f0-9]{32,256})$/;
const UPLOAD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function splitDigest(digest: string): { algorithm: string; encoded: string } {
  const match = DIGEST.exec(digest);
  if (!match) {
    throw new InvalidArgumentError(
      `"${digest}" is not a digest a blob driver can store (expected algorithm:hex)`,
      {
        detail: { digest },
      },
    );
  }
  return { algorithm: match[1]!, encoded: match[2]! };
}

export function checkUploadId(id: string): string {
  if (!UPLOAD_ID.test(id)) {
    throw new InvalidArgumentError(`"${id}" is not a valid upload id`, { detail: { uploadId: id } });
  }
  return id;
}

/** The bytes [0, size) of `buffers` as one inclusive range check shared by drivers. */
export function checkRange(size: number, start: number, end: number, digest: string): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start && end < size)) {
    throw new InvalidArgumentError(`range ${start}-${end} is outside blob ${digest} of ${size} bytes`, {
      detail: { start, end, size },
    });
  }
}
