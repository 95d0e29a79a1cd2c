/**
 * The API's routes as data (distribution's descriptors.go idea): which path shape maps to which handler
 * per method. Repository names contain slashes, so paths are parsed from the end: the last segment is a
 * digest, tag or upload id (none of which contains `/`), and the segment(s) before it say what it is.
 */

export type Route =
  | { readonly kind: 'base' }
  | { readonly kind: 'catalog' }
  | { readonly kind: 'tags'; readonly name: string }
  | { readonly kind: 'manifest'; readonly name: string; readonly reference: string }
  | { readonly kind: 'blob'; readonly name: string; readonly digest: string }
  | { readonly kind: 'upload'; readonly name: string; readonly id: string }
  | { readonly kind: 'referrers'; readonly name: string; readonly digest: string };

export type RouteKind = Route['kind'];

/** Methods each route answers; anything else is 405 with an Allow header. HEAD is listed where served. */
export const ROUTE_METHODS: Readonly<Record<RouteKind, readonly string[]>> = {
  base: ['GET', 'HEAD'],
  catalog: ['GET'],
  tags: ['GET'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  blob: ['GET', 'HEAD', 'DELETE'],
  upload: ['POST', 'PATCH', 'PUT', 'GET', 'DELETE'],
  referrers: ['GET'],
};

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The route of a request path (without the query), or undefined when no route has that shape. */
export function parseRoute(path: string, method: string): Route | undefined {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  if (!path.startsWith('/v2/')) return undefined;
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  const segments = path.slice(4).split('/');
  const n = segments.length;
  if (n < 2) return undefined;
  const last = decode(segments[n - 1]!);
  if (last === undefined) return undefined;
  const at = (i: number): string | undefined => segments[n - 1 - i];
  const nameBefore = (count: number): string => segments.slice(0, n - count).join('/');

  if (at(1) === 'tags' && last === 'list' && n >= 3) return { kind: 'tags', name: nameBefore(2) };
  if (at(2) === 'blobs' && at(1) === 'uploads' && n >= 4)
    return { kind: 'upload', name: nameBefore(3), id: last };
  // `POST /v2/<name>/blobs/uploads` without the trailing slash starts an upload too.
  if (at(1) === 'blobs' && last === 'uploads' && method === 'POST')
    return { kind: 'upload', name: nameBefore(2), id: '' };
  if (n < 3) return undefined;
  if (at(1) === 'manifests') return { kind: 'manifest', name: nameBefore(2), reference: last };
  if (at(1) === 'blobs') return { kind: 'blob', name: nameBefore(2), digest: last };
  if (at(1) === 'referrers') return { kind: 'referrers', name: nameBefore(2), digest: last };
  return undefined;
}
