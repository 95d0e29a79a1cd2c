/**
 * A monolithic upload (a single `POST ?digest=`): the body streams into a temporary upload file while it
 * is hashed, and is committed and linked only when the digest matches. There is no session record: a
 * crash leaves at most a data file without a session, which the upload janitor removes.
 */
import { randomUUID } from 'node:crypto';
import type { BlobDriver } from '@stevedore/blobstore';
import { registryError } from './errors.js';
import { Digester, parseDigest } from './digest.js';
import { checkName } from './names.js';
import { exactly } from './chunks.js';
import type { BlobInfo, BlobService } from './blobs.js';

export async function monolithicUpload(
  driver: BlobDriver,
  blobs: BlobService,
  name: string,
  digest: string,
  source: AsyncIterable<Buffer>,
  length?: number,
): Promise<BlobInfo> {
  checkName(name);
  const expected = parseDigest(digest);
  const id = randomUUID();
  const digester = Digester.create(expected.algorithm);
  await driver.createUpload(id);
  try {
    const size = await driver.appendUpload(id, 0, exactly(source, length), {
      onChunk: (c) => digester.update(c),
    });
    const actual = digester.digest();
    if (actual !== expected.value) {
      throw registryError('DIGEST_INVALID', `uploaded content has digest ${actual}, not ${expected.value}`, {
        detail: { expected: expected.value, actual },
      });
    }
    await driver.commitUpload(id, expected.value, size);
    await blobs.link(name, expected.value, size);
    return { digest: expected.value, size };
  } catch (err) {
    await driver.deleteUpload(id).catch(() => undefined);
    throw err;
  }
}
