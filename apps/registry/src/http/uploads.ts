/**
 * Blob uploads: POST (start a session, a monolithic `?digest=` upload, or a `?mount=&from=` mount with
 * 202 fallback), PATCH (chunk, in order), PUT (close with `?digest=`), GET (status), DELETE (cancel).
 * Request bodies are handed to registry-core as the raw request stream.
 */
import { registryError, uploadRange } from '@stevedore/registry-core';
import { type HandlerContext, contentLength, hasBody, namePath, send } from './context.js';
import { parseContentRange } from './ranges.js';

function uploadLocation(name: string, id: string): string {
  return `/v2/${namePath(name)}/blobs/uploads/${id}`;
}

function sessionHeaders(name: string, id: string, size: number): Record<string, string> {
  return { Location: uploadLocation(name, id), Range: uploadRange(size), 'Docker-Upload-UUID': id };
}

function blobCreated(ctx: HandlerContext, name: string, digest: string): void {
  send(ctx.res, 201, { Location: `/v2/${namePath(name)}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

export async function postUpload(ctx: HandlerContext, name: string): Promise<void> {
  const { query, registry, req } = ctx;
  const mount = query.get('mount');
  if (mount !== null) {
    const from = query.get('from');
    // Mounting needs pull on the source; without it the request is a plain upload (the spec allows it), so a
    // caller learns nothing of a repository it may not read.
    const mayRead =
      from !== null && (ctx.caller === undefined || ctx.caller.allows('repository', from, 'pull'));
    const mounted = mayRead ? await registry.blobs.mount(name, mount, from) : undefined;
    if (mounted) return blobCreated(ctx, name, mounted.digest);
  }
  const digest = query.get('digest');
  if (digest !== null && mount === null) {
    const blob = await registry.uploads.monolithic(name, digest, req, contentLength(req));
    return blobCreated(ctx, name, blob.digest);
  }
  const session = await registry.uploads.start(name, query.get('digest-algorithm') ?? 'sha256');
  send(ctx.res, 202, sessionHeaders(name, session.id, 0));
}

function bounds(ctx: HandlerContext): { start?: number; end?: number; length?: number } {
  const range = parseContentRange(ctx.req.headers['content-range']);
  const length = contentLength(ctx.req);
  return { ...range, ...(length !== undefined ? { length } : {}) };
}

export async function patchUpload(ctx: HandlerContext, name: string, id: string): Promise<void> {
  const status = await ctx.registry.uploads.append(name, id, ctx.req, bounds(ctx));
  send(ctx.res, 202, sessionHeaders(name, id, status.size));
}

export async function putUpload(ctx: HandlerContext, name: string, id: string): Promise<void> {
  const digest = ctx.query.get('digest');
  if (digest === null || digest === '') {
    throw registryError('DIGEST_INVALID', 'closing an upload needs ?digest=<digest of the whole blob>');
  }
  const source = hasBody(ctx.req) ? ctx.req : undefined;
  const blob = await ctx.registry.uploads.complete(name, id, digest, source, source ? bounds(ctx) : {});
  blobCreated(ctx, name, blob.digest);
}

export async function getUpload(ctx: HandlerContext, name: string, id: string): Promise<void> {
  const status = await ctx.registry.uploads.status(name, id);
  send(ctx.res, 204, sessionHeaders(name, id, status.size));
}

export async function deleteUpload(ctx: HandlerContext, name: string, id: string): Promise<void> {
  await ctx.registry.uploads.cancel(name, id);
  send(ctx.res, 204, {});
}

export { uploadLocation };
