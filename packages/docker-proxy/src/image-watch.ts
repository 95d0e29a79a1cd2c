/**
 * After the engine made a tag: the record of who made it, written before the caller's answer ends, so the
 * next call already sees the tag as theirs. The answer flows through unchanged while it is watched (a
 * build's or pull's progress is never held): progress streams are read line by line for the engine's
 * error line and the image id. (Small answers — tag, commit, remove — are recorded by the plan's
 * `verify`, which the proxy runs before answering.)
 *
 * Only non-administrators' tags are recorded: an administrator's tag is as if made on the engine
 * directly (shared, administrator-owned). A write that left a tag on the image it already held changes
 * no record. When a private tag's record cannot be written, the tag is removed again rather than left
 * unrecorded (which would make it shared), and the caller is told.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { inspectImage, type ImageScope } from './image-access.js';
import type { ImageSource } from './image-owners.js';
import { familiar, normalizeRef } from './image-refs.js';
import { EngineRefusal } from './refusals.js';

type Json = Record<string, unknown>;

/** A tag a call will make: its ref, the image it held before (if it existed), the image it will hold. */
export interface TagWrite {
  readonly ref: string;
  readonly before?: string;
  readonly image?: string;
}

const MAX_LINE = 1024 * 1024;
const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;

/** Writes the records of `writes` for the caller; throws after undoing private tags it could not record. */
export async function recordWrites(
  scope: ImageScope,
  writes: readonly TagWrite[],
  source: ImageSource,
  now: () => Date = () => new Date(),
): Promise<void> {
  if (scope.caller.admin) return;
  const failed: string[] = [];
  for (const write of writes) {
    const untagged = IMAGE_ID.test(write.ref);
    // An untagged image keeps its first maker: the same content made again is not taken from them.
    if (untagged && (await scope.owners.get([write.ref])).size > 0) continue;
    const image = untagged
      ? write.ref
      : (write.image ?? (await inspectImage(scope.engine, write.ref).catch(() => undefined))?.id);
    if (image === undefined || image === write.before) continue;
    try {
      await scope.owners.record(write.ref, {
        owner: scope.caller.name,
        source,
        at: now().toISOString(),
        image,
      });
    } catch {
      failed.push(write.ref);
    }
  }
  if (failed.length === 0) return;
  // Unrecorded, a private tag would be shared: it is taken back. A pulled tag is shared anyway.
  // Unrecorded, an untagged image is only hidden (administrators only): it is left as it is.
  if (source !== 'pull')
    for (const ref of failed.filter((r) => !IMAGE_ID.test(r)))
      await scope.engine
        .call('DELETE', `/images/${encodeURIComponent(ref)}?noprune=1`)
        .catch(() => undefined);
  throw new EngineRefusal(
    503,
    `Stevedore could not record who made ${failed.map(familiar).join(', ')}${source === 'pull' ? '' : ', so it was removed again'}: try again`,
  );
}

/** The engine's error line, as a progress stream carries it. */
export function errorLine(message: string): string {
  return `${JSON.stringify({ errorDetail: { message }, error: message })}\n`;
}

/**
 * A pass-through of a JSON-lines progress stream: each line goes on at once and is handed to `onLine`;
 * at the end `atEnd` runs before the stream ends, and a failure of it ends the stream with an error line.
 */
export function progressWatch(onLine: (line: Json) => void, atEnd: () => Promise<void>): Transform {
  let partial = '';
  const take = (text: string) => {
    if (text.trim() === '') return;
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) onLine(value as Json);
    } catch {
      // Not a line of the stream: passed on, not read.
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > MAX_LINE) partial = '';
      lines.forEach(take);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      take(partial);
      atEnd().then(
        () => done(),
        (err: unknown) => done(null, errorLine(err instanceof Error ? err.message : String(err))),
      );
    },
  });
}

/** Whether a progress line is the engine's error. */
export function isErrorLine(line: Json): boolean {
  return line['error'] !== undefined || line['errorDetail'] !== undefined;
}

/** The image id a build's answer gives: `aux.ID`, or the bare id a quiet build streams. */
export function builtImageId(line: Json): string | undefined {
  const aux = line['aux'];
  if (aux && typeof aux === 'object') {
    const id = (aux as Json)['ID'];
    if (typeof id === 'string' && IMAGE_ID.test(id)) return id;
  }
  const stream = line['stream'];
  if (typeof stream === 'string' && IMAGE_ID.test(stream.trim())) return stream.trim();
  return undefined;
}

/** The image id an import's answer gives (`{"status":"sha256:…"}`). */
export function importedImageId(line: Json): string | undefined {
  const status = line['status'];
  return typeof status === 'string' && IMAGE_ID.test(status.trim()) ? status.trim() : undefined;
}

/** The tag a load's answer says it set (`Loaded image: busybox:latest`), normalized. */
export function loadedTag(line: Json): string | undefined {
  const stream = line['stream'];
  if (typeof stream !== 'string') return undefined;
  const m = /^Loaded image: (\S+)\s*$/.exec(stream);
  return m ? normalizeRef(m[1]!) : undefined;
}

/** The untagged image a load's answer says it loaded (`Loaded image ID: sha256:…`). */
export function loadedImageId(line: Json): string | undefined {
  const stream = line['stream'];
  if (typeof stream !== 'string') return undefined;
  const m = /^Loaded image ID: (sha256:[a-f0-9]{64})\s*$/.exec(stream);
  return m?.[1];
}

/** What an image removal's answer removed (`[{"Untagged": "busybox:latest"}, {"Deleted": "sha256:…"}]`). */
export function removedRefs(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const field = (item: unknown, key: string) =>
    item && typeof item === 'object' ? (item as Json)[key] : undefined;
  const untagged = value
    .map((item: unknown) => field(item, 'Untagged'))
    .filter((u): u is string => typeof u === 'string')
    .map(normalizeRef)
    .filter((r): r is string => r !== undefined);
  const deleted = value
    .map((item: unknown) => field(item, 'Deleted'))
    .filter((d): d is string => typeof d === 'string' && IMAGE_ID.test(d));
  return [...untagged, ...deleted];
}
