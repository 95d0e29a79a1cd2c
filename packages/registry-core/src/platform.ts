/**
 * The platform (os, architecture, variant) of an image manifest, read from its config blob at push time so
 * tag listings can show it without reading blobs. Best effort: a config that is not an image config, too
 * large, unreadable or without those fields gives no platform, never a refused push.
 */
import type { BlobDriver } from '@stevedore/blobstore';
import type { Platform } from './keys.js';
import type { ParsedManifest } from './manifest.js';
import { IMAGE_CONFIG_TYPES } from './media-types.js';

/** Image configs are small (kilobytes); a larger one is not read. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export async function platformOf(driver: BlobDriver, parsed: ParsedManifest): Promise<Platform | undefined> {
  const config = parsed.kind === 'image' ? parsed.blobs[0] : undefined;
  if (!config || !IMAGE_CONFIG_TYPES.has(config.mediaType) || config.size > MAX_CONFIG_BYTES)
    return undefined;
  try {
    const parts: Buffer[] = [];
    for await (const chunk of await driver.read(config.digest)) parts.push(chunk as Buffer);
    const json = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
    const { os, architecture, variant } = json;
    if (typeof os !== 'string' || typeof architecture !== 'string' || os === '' || architecture === '') {
      return undefined;
    }
    return { os, architecture, ...(typeof variant === 'string' && variant !== '' ? { variant } : {}) };
  } catch {
    return undefined;
  }
}
