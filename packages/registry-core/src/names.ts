/**
 * Repository names and tags, by the distribution spec's grammar ("Pulling manifests").
 *
 * Names: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, at most 255
 * characters (clients limit host + "/" + name to 255; we cannot know the host, so we bound the name
 * itself). Tags: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
 * These grammars are also what keeps the Store key layout unambiguous (see keys.ts).
 */
import { registryError } from './errors.js';
import { type Digest, looksLikeDigest, parseDigest } from './digest.js';

export const MAX_NAME_LENGTH = 255;
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export function checkName(name: string): string {
  if (name.length > MAX_NAME_LENGTH) {
    throw registryError(
      'NAME_INVALID',
      `repository name is ${name.length} characters; at most ${MAX_NAME_LENGTH} are allowed`,
      {
        detail: { name: name.slice(0, 64) + '…', max: MAX_NAME_LENGTH },
      },
    );
  }
  if (!NAME.test(name)) {
    throw registryError(
      'NAME_INVALID',
      `invalid repository name "${name}": use lower-case letters, digits and separators (. _ __ -), components joined by /`,
      { detail: { name } },
    );
  }
  return name;
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function checkTag(tag: string): string {
  if (!TAG.test(tag)) {
    throw registryError(
      'MANIFEST_INVALID',
      `invalid tag "${tag}": a tag is 1 to 128 of [a-zA-Z0-9_.-] and does not start with . or -`,
      { detail: { tag } },
    );
  }
  return tag;
}

export type Reference =
  { readonly kind: 'tag'; readonly tag: string } | { readonly kind: 'digest'; readonly digest: Digest };

/** A manifest reference: a digest when it has a colon, otherwise a tag. */
export function parseReference(reference: string): Reference {
  if (looksLikeDigest(reference)) return { kind: 'digest', digest: parseDigest(reference) };
  return { kind: 'tag', tag: checkTag(reference) };
}
