/**
 * Parsing and validation of pushed manifests: OCI image manifest and index, Docker schema 2 manifest and
 * manifest list. Pure (no I/O): whether referenced blobs exist is checked by the manifest service.
 *
 * Rules, from the distribution spec ("Pushing Manifests") and the image spec:
 * - The body is JSON with schemaVersion 2. Schema 1 is refused, with what to do instead.
 * - When the manifest has a `mediaType`, the request's Content-Type (parameters ignored) must equal it;
 *   when it has none, the Content-Type names the type. Either way the type must be one we store.
 * - Descriptors have a media type, a valid digest and a non-negative integer size.
 */
import { registryError } from './errors.js';
import { parseDigest } from './digest.js';
import { MANIFEST_KINDS, type ManifestKind, MediaTypes, bareMediaType } from './media-types.js';
import type { DescriptorRecord } from './keys.js';

export interface ParsedManifest {
  readonly mediaType: string;
  readonly kind: ManifestKind;
  /** Config and layers of an image manifest. */
  readonly blobs: readonly DescriptorRecord[];
  /** Entries of an index / manifest list. */
  readonly manifests: readonly DescriptorRecord[];
  readonly subject?: DescriptorRecord;
  /** What the referrers API reports: artifactType, else (image manifests) the config's media type. */
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

type Json = Record<string, unknown>;

function invalid(message: string, detail?: Record<string, unknown>): never {
  throw registryError('MANIFEST_INVALID', message, detail ? { detail } : {});
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function annotationsOf(value: unknown, where: string): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    invalid(`${where}.annotations must be an object of strings`);
  }
  return value as Record<string, string>;
}

function descriptor(value: unknown, where: string): DescriptorRecord {
  if (!isObject(value)) invalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size, artifactType } = value;
  if (typeof mediaType !== 'string' || mediaType === '')
    invalid(`${where}.mediaType must be a non-empty string`);
  if (typeof digest !== 'string') invalid(`${where}.digest must be a string`);
  try {
    parseDigest(digest);
  } catch {
    invalid(`${where}.digest "${digest}" is not a valid sha256 or sha512 digest`, { digest });
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    invalid(`${where}.size must be a non-negative integer`);
  }
  if (artifactType !== undefined && typeof artifactType !== 'string')
    invalid(`${where}.artifactType must be a string`);
  const annotations = annotationsOf(value['annotations'], where);
  return {
    mediaType,
    digest,
    size,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

function descriptors(value: unknown, where: string): DescriptorRecord[] {
  if (!Array.isArray(value)) invalid(`${where} must be an array of descriptors`);
  return value.map((d, i) => descriptor(d, `${where}[${i}]`));
}

const SCHEMA1_HELP =
  'Docker image manifest schema 1 is deprecated and not accepted. Push with a current client (Docker 1.10 or newer ' +
  'pushes schema 2), or convert the image, e.g. `skopeo copy --format v2s2`.';

function resolveMediaType(body: Json, contentType: string | undefined): string {
  const header = bareMediaType(contentType);
  if (
    header === MediaTypes.dockerSchema1 ||
    header === MediaTypes.dockerSchema1Signed ||
    body['schemaVersion'] === 1
  ) {
    invalid(SCHEMA1_HELP, { mediaType: header || MediaTypes.dockerSchema1 });
  }
  const field = body['mediaType'];
  if (field !== undefined && typeof field !== 'string') invalid('mediaType must be a string');
  const type = field ?? header;
  if (field !== undefined && header !== '' && header !== field) {
    invalid(
      `Content-Type "${header}" does not match the manifest's mediaType "${field}"; send Content-Type: ${field}`,
      {
        contentType: header,
        mediaType: field,
      },
    );
  }
  if (MANIFEST_KINDS[type] === undefined) {
    invalid(
      `unsupported manifest media type "${type || '(none)'}": set Content-Type to one of ${Object.keys(MANIFEST_KINDS).join(', ')}`,
      { mediaType: type },
    );
  }
  return type;
}

export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    invalid(`manifest is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) invalid('manifest must be a JSON object');
  const mediaType = resolveMediaType(json, contentType);
  if (json['schemaVersion'] !== 2)
    invalid('schemaVersion must be 2', { schemaVersion: json['schemaVersion'] });
  const kind = MANIFEST_KINDS[mediaType]!;
  const subject = json['subject'] === undefined ? undefined : descriptor(json['subject'], 'subject');
  const annotations = annotationsOf(json['annotations'], 'manifest');
  const artifactTypeField = json['artifactType'];
  if (artifactTypeField !== undefined && typeof artifactTypeField !== 'string')
    invalid('artifactType must be a string');

  let blobs: DescriptorRecord[] = [];
  let manifests: DescriptorRecord[] = [];
  let artifactType = artifactTypeField || undefined;
  if (kind === 'image') {
    const config = descriptor(json['config'], 'config');
    const layers = json['layers'] === undefined && mediaType === MediaTypes.ociManifest ? [] : json['layers'];
    blobs = [config, ...descriptors(layers, 'layers')];
    artifactType ??= config.mediaType;
  } else {
    manifests = descriptors(json['manifests'], 'manifests');
  }
  return {
    mediaType,
    kind,
    blobs,
    manifests,
    ...(subject ? { subject } : {}),
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(annotations ? { annotations } : {}),
  };
}
