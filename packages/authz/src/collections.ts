/**
 * Collections: a tree of paths (`/`, `/Shared/dev`, …). A grant on a collection holds for all of its
 * descendants, so deciding needs only the path's ancestors, nearest first.
 *
 * Path rules: absolute, `/`-separated, segments of 1–64 characters from [A-Za-z0-9_.-] (not `.` or `..`),
 * at most 8 levels below the root. `/` is the root.
 */
import { InvalidArgumentError } from '@stevedore/errors';

export const ROOT_COLLECTION = '/';
export const SYSTEM_COLLECTION = '/System';
export const SHARED_COLLECTION = '/Shared';
export const PRIVATE_COLLECTIONS = '/Shared/Private';
export const LEGACY_COLLECTION = '/Shared/Legacy';

/** Collections that exist in every cluster and cannot be removed. */
export const DEFAULT_COLLECTIONS: readonly string[] = [
  ROOT_COLLECTION,
  SYSTEM_COLLECTION,
  SHARED_COLLECTION,
  PRIVATE_COLLECTIONS,
  LEGACY_COLLECTION,
];

const SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_DEPTH = 8;

export function validateCollectionPath(path: string): string {
  if (path === ROOT_COLLECTION) return path;
  const segments = path.split('/');
  const problem =
    !path.startsWith('/') || path.endsWith('/')
      ? 'must start with "/" and not end with one'
      : segments.length - 1 > MAX_DEPTH
        ? `may be at most ${MAX_DEPTH} levels deep`
        : segments.slice(1).some((s) => !SEGMENT.test(s) || s === '.' || s === '..')
          ? 'segments are 1-64 characters of letters, digits, "_", "." and "-" (not "." or "..")'
          : undefined;
  if (problem) {
    throw new InvalidArgumentError(`invalid collection path ${JSON.stringify(path)}: it ${problem}`, {
      detail: { field: 'collection', value: path },
    });
  }
  return path;
}

/** The path's parent, or undefined for the root. */
export function parentOf(path: string): string | undefined {
  if (path === ROOT_COLLECTION) return undefined;
  const i = path.lastIndexOf('/');
  return i === 0 ? ROOT_COLLECTION : path.slice(0, i);
}

/** The path itself, then each ancestor up to and including the root. */
export function selfAndAncestors(path: string): string[] {
  const out: string[] = [];
  for (let p: string | undefined = path; p !== undefined; p = parentOf(p)) out.push(p);
  return out;
}

export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === ROOT_COLLECTION || path === ancestor || path.startsWith(ancestor + '/');
}

/** Each user's private collection; the user gets Restricted Control on it and it is their default. */
export function privateCollectionOf(username: string): string {
  return `${PRIVATE_COLLECTIONS}/${username}`;
}
