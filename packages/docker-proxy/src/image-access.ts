/**
 * Image visibility against the engine: which image a reference names (the engine says), which of its
 * tags the caller may see (image-rules.ts over the records), and the answers that hide the rest — a
 * reference to an image the caller may not see gets the engine's own "No such image" (404), and lists,
 * inspects, histories and events drop the names of tags the caller may not see.
 *
 * - By tag: the tag decides (another user's private tag is missing, even when its image is also shared
 *   under another name).
 * - By id or digest: visible when any of the image's tags is, or when the digest was pulled through
 *   Stevedore (shared), or the image was made untagged by the caller (a build without `-t`, a commit or
 *   import without a name: recorded under its id). An image without tags is otherwise for administrators.
 */
import type { ProxyCaller } from './caller.js';
import type { EngineLookups } from './engine-api.js';
import type { ImageOwners, ImageTagRecord } from './image-owners.js';
import { normalizeRef, parseImageRef, repositoryOf } from './image-refs.js';
import { currentRecord, maySeeTag } from './image-rules.js';
import type { PlanContext } from './plan-context.js';
import { EngineRefusal } from './refusals.js';

type Json = Record<string, unknown>;

/** What the proxy needs of an image: its id and its names, normalized. */
export interface EngineImage {
  readonly id: string;
  /** Normalized RepoTags (`<none>:<none>` dropped). */
  readonly tags: readonly string[];
  /** Normalized RepoDigests. */
  readonly digests: readonly string[];
}

export interface FoundImage {
  readonly image: EngineImage;
  /** How the reference matched: a tag (`ref`), a digest (`ref`), or the image id (or an id prefix). */
  readonly by: 'tag' | 'digest' | 'id';
  readonly ref?: string;
}

/** The engine and the records together: what every image decision reads. */
export interface ImageScope {
  readonly engine: EngineLookups;
  readonly owners: ImageOwners;
  readonly caller: ProxyCaller;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);
const normalized = (names: readonly string[]): string[] =>
  names.map(normalizeRef).filter((r): r is string => r !== undefined);

export function engineImageOf(raw: Json): EngineImage {
  return {
    id: typeof raw['Id'] === 'string' ? raw['Id'] : '',
    tags: normalized(strings(raw['RepoTags']).filter((t) => t !== '<none>:<none>')),
    digests: normalized(strings(raw['RepoDigests']).filter((d) => d !== '<none>@<none>')),
  };
}

export async function inspectImage(engine: EngineLookups, ref: string): Promise<EngineImage | undefined> {
  const raw = await engine.inspect<Json>(`/images/${encodeURIComponent(ref)}/json`);
  return raw ? engineImageOf(raw) : undefined;
}

/** The image `input` names on the engine, and how it matched; undefined when there is none. */
export async function findImage(engine: EngineLookups, input: string): Promise<FoundImage | undefined> {
  if (input === '') return undefined;
  const image = await inspectImage(engine, input);
  if (!image) return undefined;
  const parsed = parseImageRef(input);
  if (parsed?.kind === 'tag' && image.tags.includes(parsed.ref)) return { image, by: 'tag', ref: parsed.ref };
  if (parsed?.kind === 'digest' && image.digests.includes(parsed.ref))
    return { image, by: 'digest', ref: parsed.ref };
  return { image, by: 'id' };
}

/** The records that hold now for the names of these images (one read). */
export async function recordsOf(
  owners: ImageOwners,
  images: readonly EngineImage[],
): Promise<Map<string, ImageTagRecord>> {
  const refs = [...new Set(images.flatMap((i) => [...i.tags, ...i.digests, ...(i.id ? [i.id] : [])]))];
  const stored = refs.length > 0 ? await owners.get(refs) : new Map<string, ImageTagRecord>();
  return currentOnly(stored, images);
}

/** Of `stored`, the records whose ref names, in `images`, the image the record was written for. */
export function currentOnly(
  stored: ReadonlyMap<string, ImageTagRecord>,
  images: readonly EngineImage[],
): Map<string, ImageTagRecord> {
  const current = new Map<string, ImageTagRecord>();
  for (const image of images)
    for (const ref of [...image.tags, ...image.digests, image.id]) {
      const record = currentRecord(stored.get(ref), image.id);
      if (record) current.set(ref, record);
    }
  return current;
}

/** The tags of `image` the caller may see. */
export function visibleTags(
  caller: ProxyCaller,
  image: EngineImage,
  records: ReadonlyMap<string, ImageTagRecord>,
): string[] {
  return image.tags.filter((t) => maySeeTag(caller, records.get(t)));
}

/** A digest (or an untagged image's id) is visible when its record is shared (pulled) or the caller's. */
function digestVisible(caller: ProxyCaller, record: ImageTagRecord | undefined): boolean {
  return record !== undefined && maySeeTag(caller, record);
}

/** May the caller see the image itself (by id or digest). */
export function imageVisible(
  caller: ProxyCaller,
  image: EngineImage,
  records: ReadonlyMap<string, ImageTagRecord>,
): boolean {
  if (caller.admin) return true;
  return (
    visibleTags(caller, image, records).length > 0 ||
    image.digests.some((d) => digestVisible(caller, records.get(d))) ||
    digestVisible(caller, records.get(image.id))
  );
}

/** May the caller see what `found` matched: the tag itself when named by tag, else the image. */
export function foundVisible(
  caller: ProxyCaller,
  found: FoundImage,
  records: ReadonlyMap<string, ImageTagRecord>,
): boolean {
  if (caller.admin) return true;
  if (found.by === 'tag') return maySeeTag(caller, records.get(found.ref!));
  return imageVisible(caller, found.image, records);
}

export type MissingText = 'inspect' | 'plain' | 'save' | 'push';

/** The engine's own words for a missing image, per kind of call. */
export function imageNotFound(ref: string, text: MissingText = 'plain'): EngineRefusal {
  const message =
    text === 'inspect'
      ? `no such image: ${ref}: No such image: ${ref}`
      : text === 'save'
        ? 'reference does not exist'
        : text === 'push'
          ? `An image does not exist locally with the tag: ${ref}`
          : `No such image: ${ref}`;
  return new EngineRefusal(404, message, `not visible: image ${ref}`);
}

/**
 * The image `ref` names, when the caller may see it; throws the engine's 404 when it exists but is not
 * theirs to see; undefined when the engine has no such image.
 */
export async function findVisible(
  scope: ImageScope,
  ref: string,
  text: MissingText = 'plain',
): Promise<{ found: FoundImage; records: Map<string, ImageTagRecord> } | undefined> {
  const found = await findImage(scope.engine, ref);
  if (!found) return undefined;
  const records = scope.caller.admin
    ? new Map<string, ImageTagRecord>()
    : await recordsOf(scope.owners, [found.image]);
  if (!foundVisible(scope.caller, found, records)) throw imageNotFound(ref, text);
  return { found, records };
}

/** The scope of a planning context. */
export function scopeOf(ctx: PlanContext): ImageScope {
  return { engine: ctx.engine, owners: ctx.images.owners, caller: ctx.caller };
}

/**
 * For workloads (`containers/create`, a service's `Image`): refuses, as the engine would for a missing
 * image, a local image the caller may not see. A ref with no local image is allowed: the engine (or the
 * client, on its 404) pulls it, and a pull cannot replace another user's private tag.
 */
export async function checkImageUse(ctx: PlanContext, ref: string): Promise<void> {
  if (ctx.caller.admin) return;
  await findVisible(scopeOf(ctx), ref);
}

/** An inspect answer with the names the caller may not see dropped. */
export async function visibleInspect(scope: ImageScope, value: unknown): Promise<unknown> {
  if (scope.caller.admin || !value || typeof value !== 'object' || Array.isArray(value)) return value;
  const raw = value as Json;
  const image = engineImageOf(raw);
  const records = await recordsOf(scope.owners, [image]);
  return withVisibleNames(scope.caller, raw, image, records);
}

/** `raw` (an inspect or list item) with RepoTags and RepoDigests cut to what the caller may see. */
function withVisibleNames(
  caller: ProxyCaller,
  raw: Json,
  image: EngineImage,
  records: ReadonlyMap<string, ImageTagRecord>,
): Json {
  const tags = new Set(visibleTags(caller, image, records));
  const repos = new Set([...tags].map(repositoryOf));
  const keepTag = (t: string) => {
    const n = normalizeRef(t);
    return n !== undefined && tags.has(n);
  };
  // A digest tells of its repository: kept when a visible tag is in that repository, or it is visible.
  const keepDigest = (d: string) => {
    const n = normalizeRef(d);
    if (n === undefined) return false;
    return repos.has(repositoryOf(n)) || digestVisible(caller, records.get(n));
  };
  const repoTags = strings(raw['RepoTags']);
  const repoDigests = strings(raw['RepoDigests']);
  const shownTags = repoTags.filter(keepTag);
  const shownDigests = repoDigests.filter(keepDigest);
  // The same object back when nothing is cut, so the engine's own bytes can go out.
  if (shownTags.length === repoTags.length && shownDigests.length === repoDigests.length) return raw;
  const out: Json = { ...raw };
  if (Array.isArray(raw['RepoTags'])) out['RepoTags'] = shownTags;
  if (Array.isArray(raw['RepoDigests'])) out['RepoDigests'] = shownDigests;
  return out;
}

/** A history answer with the layer tags the caller may not see dropped. */
export async function visibleHistory(scope: ImageScope, value: unknown): Promise<unknown> {
  if (scope.caller.admin || !Array.isArray(value)) return value;
  const layers = value as Json[];
  const named = layers.map((l) => ({
    id: typeof l['Id'] === 'string' ? l['Id'] : '',
    tags: normalized(strings(l['Tags'])),
    digests: [] as string[],
  }));
  const records = await recordsOf(scope.owners, named);
  let changed = false;
  const out = layers.map((layer, i) => {
    if (!Array.isArray(layer['Tags'])) return layer;
    const keep = new Set(visibleTags(scope.caller, named[i]!, records));
    const tags = strings(layer['Tags']);
    const shown = tags.filter((t) => keep.has(normalizeRef(t) ?? ''));
    if (shown.length === tags.length) return layer;
    changed = true;
    return { ...layer, Tags: shown };
  });
  return changed ? out : value;
}

/**
 * `GET /images/json` for a non-administrator: images with no name the caller may see are dropped, and the
 * rest lose the names they may not. One read of every record; the same list back when nothing changed.
 */
export async function visibleImageList(
  caller: ProxyCaller,
  owners: ImageOwners,
  list: unknown,
): Promise<unknown> {
  if (caller.admin || !Array.isArray(list)) return list;
  const items = list as Json[];
  const images = items.map(engineImageOf);
  const records = currentOnly(await owners.list(), images);
  let changed = false;
  const kept: Json[] = [];
  items.forEach((item, i) => {
    const image = images[i]!;
    if (!imageVisible(caller, image, records)) {
      changed = true;
      return;
    }
    const shown = withVisibleNames(caller, item, image, records);
    if (shown !== item) changed = true;
    kept.push(shown);
  });
  return changed ? kept : list;
}

interface ImageEvent {
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Record<string, string> };
}

/**
 * Whether an image event is the caller's to see. Events name a tag (tag, pull, push, import) or only an
 * image id (untag, delete, save, load). A tag event is shown when the tag is the caller's to see now (a
 * record of any image counts against it: the tag may have moved since) and, when the event names the image
 * too, that image is; an id-only event when its image is. An image gone from the engine is for
 * administrators only, so replayed events (`--since`) of removed private images stay hidden.
 */
export async function imageEventVisible(scope: ImageScope, event: ImageEvent): Promise<boolean> {
  if (scope.caller.admin) return true;
  const id = event.Actor?.ID ?? '';
  const name = event.Actor?.Attributes?.['name'] ?? '';
  const imageSeen = async (ref: string) => {
    const image = ref ? await inspectImage(scope.engine, ref) : undefined;
    return image !== undefined && imageVisible(scope.caller, image, await recordsOf(scope.owners, [image]));
  };
  const byId = parseImageRef(id)?.kind === 'id';
  // A pull's event has the tag as its ID and the repository as its name; a tag's, the id and the tag.
  for (const candidate of byId ? [name] : [id, name]) {
    const named = parseImageRef(candidate);
    if (named?.kind !== 'tag' || /^[a-f0-9]+$/.test(candidate)) continue;
    const record = (await scope.owners.get([named.ref])).get(named.ref);
    if (!maySeeTag(scope.caller, record)) return false;
    return byId ? imageSeen(id) : true;
  }
  return imageSeen(id || name);
}
