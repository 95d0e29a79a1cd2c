/**
 * The manifest media types this registry stores, and Accept-header negotiation for GET/HEAD.
 * Docker schema 1 is recognised only to refuse it with a message that says what to do.
 */

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export type ManifestKind = 'image' | 'index';

/**
 * Layers a registry need not hold (OCI image spec "non-distributable", Docker's "foreign" layers, fetched
 * from their `urls`): a manifest naming them is accepted without the blobs being pushed.
 */
const NON_DISTRIBUTABLE = new Set([
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);

export function isNonDistributable(mediaType: string): boolean {
  return NON_DISTRIBUTABLE.has(mediaType);
}

/** Config media types whose JSON carries the image's platform (`os`, `architecture`, `variant`). */
export const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

export const MANIFEST_KINDS: Readonly<Record<string, ManifestKind>> = {
  [MediaTypes.ociManifest]: 'image',
  [MediaTypes.dockerManifest]: 'image',
  [MediaTypes.ociIndex]: 'index',
  [MediaTypes.dockerManifestList]: 'index',
};

/** The media type without parameters, lower-cased (the spec says to ignore parameters). */
export function bareMediaType(value: string | undefined): string {
  if (value === undefined) return '';
  const semi = value.indexOf(';');
  return (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
}

/**
 * Whether a stored manifest of `mediaType` may be served to a client that sent `accept` (one or more
 * headers). No Accept, or a wildcard, accepts anything; otherwise the type must be listed, since a client
 * that lists types would reject another (docker's old clients ask for schema 1 only, for example).
 */
export function acceptsMediaType(accept: string | readonly string[] | undefined, mediaType: string): boolean {
  if (accept === undefined) return true;
  const values = (typeof accept === 'string' ? [accept] : accept).flatMap((h) => h.split(','));
  if (values.every((v) => v.trim() === '')) return true;
  return values.some((v) => {
    const type = bareMediaType(v);
    return type === mediaType || type === '*/*' || type === 'application/*' || type === 'application/json';
  });
}
