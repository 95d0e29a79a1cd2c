/**
 * Small pure helpers of the registry's pages (URLs, digests, platforms, token expiry, the registry's
 * address), kept apart from React and the DOM so they are tested under Node (test/registry-format.test.ts).
 */

/**
 * The dashboard's URL of a repository: `/repositories/acme/app/web` (the name's "/" kept, each component
 * escaped), read back by the route `repositories/:namespace/*`.
 */
export function repositoryUrl(namespace: string, name: string): string {
  return `/repositories/${encodeURIComponent(namespace)}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** `sha256:0123456789ab…`: enough to tell digests apart at a glance (the full one is in the cell's title). */
export function shortDigest(digest: string): string {
  const at = digest.indexOf(':');
  const hex = digest.slice(at + 1);
  return hex.length > 12 ? `${digest.slice(0, at + 13)}…` : digest;
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** The tag's platform as recorded at push time; an index covers several. */
export function platformText(tag: {
  readonly platform?: string | undefined;
  readonly mediaType: string;
}): string {
  if (tag.platform) return tag.platform;
  return INDEX_TYPES.has(tag.mediaType) ? 'multi-platform' : '—';
}

/** The registry's default port (`registry.listen` under `stevedore up`). */
export const REGISTRY_PORT = 5443;

/** `host:port` (5443 unless said); browsers bracket an IPv6 host name already, a bare one gets them. */
export function registryAddress(hostname: string, port: number = REGISTRY_PORT): string {
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  return `${host}:${port}`;
}

/** A lifetime in days ("" for none) as the ISO time the API takes. */
export function expiresAtOf(days: string, now = Date.now()): string | undefined {
  return days ? new Date(now + Number(days) * 86_400_000).toISOString() : undefined;
}
