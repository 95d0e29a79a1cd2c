/**
 * Writes OCI image layouts (image-spec `image-layout.md`) by hand, so skopeo has images to copy without a
 * Docker daemon or a public registry: a single-platform image and a two-platform index.
 *
 * The layers are real gzipped tars holding one small file each, and the configs carry their diff_ids, so
 * the images are valid; nothing here ever runs them.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly architecture: string; readonly os: string };
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A ustar archive with one regular file (enough for a layer). */
export function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string): void => {
    header.write(value, offset, length, 'ascii');
  };
  const octal = (offset: number, length: number, value: number): void => {
    field(offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
  };
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, content.length);
  octal(136, 12, 1_700_000_000);
  field(148, 8, '        '); // checksum is computed with this field as spaces
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** An OCI layout directory under construction: blobs are written as they are described. */
export class OciLayout {
  private constructor(readonly dir: string) {}

  static async create(dir: string): Promise<OciLayout> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    return new OciLayout(dir);
  }

  async blob(mediaType: string, bytes: Buffer): Promise<Descriptor> {
    const digest = sha256(bytes);
    await writeFile(join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** A one-layer image for `os/architecture` whose file says `text`. */
  async image(architecture: string, text: string): Promise<Descriptor> {
    const tar = tarOneFile('hello.txt', Buffer.from(text));
    const layer = await this.blob(OCI_LAYER_GZIP, gzipSync(tar));
    const config = await this.blob(
      OCI_CONFIG,
      Buffer.from(
        JSON.stringify({
          architecture,
          os: 'linux',
          config: { Cmd: ['/hello.txt'] },
          rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
        }),
      ),
    );
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }),
    );
    return { ...(await this.blob(OCI_MANIFEST, manifest)), platform: { architecture, os: 'linux' } };
  }

  async index(manifests: readonly Descriptor[]): Promise<Descriptor> {
    return this.blob(
      OCI_INDEX,
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })),
    );
  }

  /** Writes index.json naming each descriptor by its tag (`org.opencontainers.image.ref.name`). */
  async tag(tags: ReadonlyArray<readonly [string, Descriptor]>): Promise<void> {
    const manifests = tags.map(([tag, d]) => ({
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    }));
    await writeFile(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  }
}
