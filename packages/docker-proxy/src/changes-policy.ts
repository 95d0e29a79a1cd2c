/**
 * `changes` (`POST /commit`, `POST /images/create`): Dockerfile instructions applied to the new image's
 * config. They never fetch anything themselves, but an `ONBUILD ADD <url>` planted there runs in every
 * build FROM the image, on the engine's network, for whoever builds: held to the same rule as a build's
 * own ADD (remote-url.ts).
 */
import { changesUrls } from './dockerfile-urls.js';
import { forbidden } from './refusals.js';
import { checkFetchedUrl } from './remote-url.js';

export async function checkChanges(changes: readonly string[]): Promise<void> {
  if (changes.length === 0) return;
  const found = changesUrls(changes);
  for (const url of found.urls) await checkFetchedUrl(url, 'an ONBUILD ADD in the changes');
  const [unknown] = found.unresolved;
  if (unknown !== undefined)
    throw forbidden(
      `the changes hold ONBUILD ADD ${unknown}, whose source Stevedore cannot resolve: write the URL out, or ask an administrator`,
    );
}
