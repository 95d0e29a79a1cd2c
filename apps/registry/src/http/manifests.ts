/**
 * Manifests by tag or digest: GET/HEAD with content negotiation by Accept, PUT (with `OCI-Subject` when
 * the manifest has a subject, and `OCI-Tag` for `?tag=` pushes by digest), DELETE.
 */
import type { IncomingMessage } from 'node:http';
import { acceptsMediaType, registryError } from '@stevedore/registry-core';
import { isNotFound } from '@stevedore/errors';
import { type HandlerContext, namePath, send } from './context.js';

export async function getManifest(
  ctx: HandlerContext,
  name: string,
  reference: string,
  head: boolean,
): Promise<void> {
  const { registry, req, res } = ctx;
  const manifest = await registry.manifests.head(name, reference);
  if (!acceptsMediaType(req.headers.accept, manifest.mediaType)) {
    throw registryError(
      'MANIFEST_UNKNOWN',
      `manifest ${reference} is a ${manifest.mediaType}, which the request's Accept header does not list`,
      { detail: { mediaType: manifest.mediaType } },
    );
  }
  const headers = {
    'Content-Type': manifest.mediaType,
    'Docker-Content-Digest': manifest.digest,
    ETag: `"${manifest.digest}"`,
  };
  if (head) {
    res.writeHead(200, { ...headers, 'Content-Length': manifest.size });
    res.end();
    return;
  }
  send(res, 200, headers, await registry.manifests.body(manifest.digest));
}

/** Reads a manifest body, refusing (413) past the limit before and while reading. */
async function readLimited(
  req: IncomingMessage,
  limit: number,
  tooLarge: (size: number) => Error,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(declared);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(size);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

export async function putManifest(ctx: HandlerContext, name: string, reference: string): Promise<void> {
  const { registry, req } = ctx;
  const limit = registry.manifests.maxManifestBytes;
  const body = await readLimited(req, limit, (size) => registry.manifests.tooLarge(size));
  // The platform records (or confirms) the repository before anything is stored: a push into a
  // repository deleted meanwhile, by a token issued before, is refused rather than bringing back content.
  if (ctx.caller && ctx.authorizer?.repositoryPushing) {
    await ctx.authorizer.repositoryPushing(name, ctx.caller.subject).catch((err: unknown) => {
      throw isNotFound(err)
        ? registryError('NAME_UNKNOWN', (err as Error).message, { detail: { name } })
        : err;
    });
  }
  const result = await registry.manifests.put({
    name,
    reference,
    body,
    contentType: req.headers['content-type'],
    tags: ctx.query.getAll('tag'),
    ...(ctx.caller ? { pushedBy: ctx.caller.subject } : {}),
  });
  const headers: Record<string, string> = {
    Location: `/v2/${namePath(name)}/manifests/${result.digest}`,
    'Docker-Content-Digest': result.digest,
  };
  if (result.subject !== undefined) headers['OCI-Subject'] = result.subject;
  if (ctx.query.has('tag') && result.tags.length > 0) headers['OCI-Tag'] = result.tags.join(', ');
  send(ctx.res, 201, headers);
}

export async function deleteManifest(ctx: HandlerContext, name: string, reference: string): Promise<void> {
  await ctx.registry.manifests.delete(name, reference);
  send(ctx.res, 202, {});
}
