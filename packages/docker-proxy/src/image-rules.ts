/**
 * Image ownership, as pure decisions over (caller, the tag's record, the action): who may see a tag, who
 * may point it at another image, who may remove it. The engine-facing side (image-access.ts) finds the
 * image and the records; these functions only decide, and say why in the caller's words.
 *
 * - A tag made through Stevedore by build, tag, commit, load or import is private to its owner.
 * - A tag from a registry pull is shared: the registry is the authority on what that name holds.
 * - A tag without a (current) record was made on the engine directly, by an administrator or before
 *   Stevedore, or by an administrator through Stevedore: shared, and administrator-owned.
 * - Administrators see and may change everything.
 */
import type { ProxyCaller } from './caller.js';
import type { ImageSource, ImageTagRecord } from './image-owners.js';
import { familiar } from './image-refs.js';

/** The record that holds for a tag now: only while the tag still names the image it was written for. */
export function currentRecord(
  record: ImageTagRecord | undefined,
  imageId: string | undefined,
): ImageTagRecord | undefined {
  return record && imageId !== undefined && record.image === imageId ? record : undefined;
}

export function isShared(record: ImageTagRecord | undefined): boolean {
  return record === undefined || record.source === 'pull';
}

function isOwnPrivate(caller: ProxyCaller, record: ImageTagRecord | undefined): boolean {
  return record !== undefined && record.source !== 'pull' && record.owner === caller.name;
}

/** May the caller see a tag whose current record is `record`. */
export function maySeeTag(caller: ProxyCaller, record: ImageTagRecord | undefined): boolean {
  return caller.admin || isShared(record) || record?.owner === caller.name;
}

const VERB: Record<ImageSource, string> = {
  build: 'build',
  tag: 'tag',
  commit: 'commit',
  load: 'load',
  import: 'import',
  pull: 'pull',
};

function sharedBy(record: ImageTagRecord | undefined): string {
  return record ? `pulled by ${record.owner}` : 'made by an administrator';
}

/**
 * Why the caller may not point the existing tag `ref` (current record `record`) at another image by
 * `source`; undefined when they may. A tag that does not exist yet is anyone's to make (not asked here).
 */
export function overwriteRefusal(
  caller: ProxyCaller,
  ref: string,
  record: ImageTagRecord | undefined,
  source: ImageSource,
): string | undefined {
  if (caller.admin || isOwnPrivate(caller, record)) return undefined;
  const tag = familiar(ref);
  if (source === 'pull') {
    if (isShared(record)) return undefined;
    return `the tag ${tag} belongs to ${record!.owner}: a pull may not replace another user's image; pull it under another name (docker pull, then docker tag)`;
  }
  if (isShared(record))
    return `the tag ${tag} is shared (${sharedBy(record)}): replacing it would change what everyone runs; ${VERB[source]} your image under another name`;
  return `the tag ${tag} belongs to ${record!.owner}: ${VERB[source]} your image under another name`;
}

/**
 * Why the caller may not remove the tag `ref` (current record `record`, which the caller can see); undefined
 * when they may. `othersUsing` counts containers of the tag's image that the caller may not remove.
 */
export function removeRefusal(
  caller: ProxyCaller,
  ref: string,
  record: ImageTagRecord | undefined,
  othersUsing: number,
): string | undefined {
  if (caller.admin || isOwnPrivate(caller, record)) return undefined;
  const tag = familiar(ref);
  if (record?.source === 'pull' && record.owner === caller.name) {
    if (othersUsing === 0) return undefined;
    return `the tag ${tag} is shared and ${othersUsing} container${othersUsing === 1 ? '' : 's'} of other users run${othersUsing === 1 ? 's' : ''} its image: it can be removed once they are gone`;
  }
  if (isShared(record))
    return `the tag ${tag} is shared (${sharedBy(record)}): only ${record ? `${record.owner} or ` : ''}an administrator may remove it`;
  return `the tag ${tag} belongs to ${record!.owner}: only they or an administrator may remove it`;
}
