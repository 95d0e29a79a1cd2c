/**
 * Blob GET/HEAD (with Range: 206, or 416 when unsatisfiable) and DELETE. Bodies are piped from storage to
 * the socket with backpressure, so memory stays flat whatever the blob's size.
 */
import { pipeline } from 'node:stream/promises';
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
    await pipeline(stream, res);
    return;
  }
  const stream = await registry.blobs.read(blob.digest);
  res.writeHead(200, { ...headers, 'Content-Length': blob.size });
  await pipeline(stream, res);
}

export async function deleteBlob(ctx: HandlerContext, name: string, digest: string): Promise<void> {
  await ctx.registry.blobs.unlink(name, digest);
  send(ctx.res, 202, {});
}
