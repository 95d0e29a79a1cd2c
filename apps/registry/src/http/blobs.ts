/**
 * Blob GET/HEAD (with Range: 206, or 416 when unsatisfiable) and DELETE. Bodies flow from storage to the
 * socket with backpressure, so memory stays flat whatever the blob's size: through the filesystem driver's
 * `writeTo` (a few reused 1 MiB buffers, no allocation per chunk; measured the cheaper path over TLS), or
 * piped for any other driver.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { canWriteTo } from '@stevedore/blobstore';
import { registryError } from '@stevedore/registry-core';
import { type HandlerContext, send } from './context.js';
import { parseRangeHeader } from './ranges.js';

export async function getBlob(
  ctx: HandlerContext,
  name: string,
  digest: string,
  head: boolean,
): Promise<void> {
  const { req, res, registry } = ctx;
  const blob = await registry.blobs.stat(name, digest);
  const headers = {
    'Docker-Content-Digest': blob.digest,
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ETag: `"${blob.digest}"`,
  };
  const range = parseRangeHeader(req.headers.range, blob.size);
  if (range.kind === 'unsatisfiable') {
    throw registryError(
      'RANGE_INVALID',
      `range ${req.headers.range} is outside the blob's ${blob.size} bytes`,
      {
        headers: { 'Content-Range': `bytes */${blob.size}` },
        detail: { size: blob.size },
      },
    );
  }
  if (head) {
    res.writeHead(200, { ...headers, 'Content-Length': blob.size });
    res.end();
    return;
  }
  if (range.kind === 'part') {
    const { start, end } = range.range;
    const stream = await registry.blobs.read(blob.digest, range.range);
    res.writeHead(206, {
      ...headers,
      'Content-Length': end - start + 1,
      'Content-Range': `bytes ${start}-${end}/${blob.size}`,
    });
    await sendBody(stream, res);
    return;
  }
  const stream = await registry.blobs.read(blob.digest);
  res.writeHead(200, { ...headers, 'Content-Length': blob.size });
  await sendBody(stream, res);
}

function sendBody(stream: Readable, res: ServerResponse): Promise<void> {
  return canWriteTo(stream) ? stream.writeTo(res) : pipeline(stream, res);
}

export async function deleteBlob(ctx: HandlerContext, name: string, digest: string): Promise<void> {
  await ctx.registry.blobs.unlink(name, digest);
  send(ctx.res, 202, {});
}
