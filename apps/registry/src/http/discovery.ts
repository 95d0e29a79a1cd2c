/**
 * Content discovery: tag list and catalog (`n`/`last` pagination with an RFC 5988 `Link: <…>; rel="next"`
 * when more follow), and the referrers API (an OCI index, `artifactType` filter with
 * `OCI-Filters-Applied`).
 */
import { MediaTypes, type Page, registryError } from '@stevedore/registry-core';
import { type HandlerContext, namePath, sendJson } from './context.js';

/** Larger pages are cut to this size (with a Link to the rest), which the spec allows. */
const MAX_PAGE = 10_000;

function pageOf(query: URLSearchParams): Page & { requested?: number } {
  const n = query.get('n');
  const last = query.get('last') ?? undefined;
  if (n === null || n === '') return last !== undefined ? { last } : {};
  if (!/^\d+$/.test(n)) {
    throw registryError('UNSUPPORTED', `n must be a non-negative integer, not "${n}"`, {
      status: 400,
      detail: { n },
    });
  }
  const requested = Number(n);
  return { n: Math.min(requested, MAX_PAGE), requested, ...(last !== undefined ? { last } : {}) };
}

function link(
  path: string,
  n: number | undefined,
  items: readonly string[],
  more: boolean,
): Record<string, string> {
  const lastItem = items[items.length - 1];
  if (!more || lastItem === undefined) return {};
  const query = new URLSearchParams({ ...(n !== undefined ? { n: String(n) } : {}), last: lastItem });
  return { Link: `<${path}?${query.toString()}>; rel="next"` };
}

export async function listTags(ctx: HandlerContext, name: string): Promise<void> {
  const page = pageOf(ctx.query);
  const result = await ctx.registry.discovery.tags(name, page);
  const headers = link(`/v2/${namePath(name)}/tags/list`, page.requested, result.items, result.more);
  sendJson(ctx.res, 200, { name, tags: result.items }, headers);
}

export async function listCatalog(ctx: HandlerContext): Promise<void> {
  const page = pageOf(ctx.query);
  // With an authorizer the catalog shows what the caller may pull (any valid token may ask); without one,
  // the registry:catalog:* the token stage required is an administrator's, who sees everything.
  const include =
    ctx.caller && ctx.authorizer ? await ctx.authorizer.catalogFilter(ctx.caller.subject) : undefined;
  const result = await ctx.registry.discovery.catalog(page, include);
  sendJson(
    ctx.res,
    200,
    { repositories: result.items },
    link('/v2/_catalog', page.requested, result.items, result.more),
  );
}

export async function listReferrers(ctx: HandlerContext, name: string, digest: string): Promise<void> {
  const artifactType = ctx.query.get('artifactType') ?? undefined;
  const manifests = await ctx.registry.discovery.referrers(name, digest, artifactType);
  const index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests };
  sendJson(ctx.res, 200, index, {
    'Content-Type': MediaTypes.ociIndex,
    ...(artifactType !== undefined ? { 'OCI-Filters-Applied': 'artifactType' } : {}),
  });
}
