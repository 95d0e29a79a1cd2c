/**
 * Where the entries of an archive land as the engine unpacks it (pkg/archive Untar, run by chrootarchive
 * inside a chroot of the destination): each name cleaned with `..` stopping at the root, the parent
 * directories followed through the symlinks the archive itself made earlier (absolute targets start at the
 * root, as in the chroot), and what was at a name removed first unless a directory meets a directory.
 *
 * Invariants: only symlinks are remembered (the destination starts empty, and only they redirect later
 * entries), at most MAX_LINKS of them; a path that loops (over 40 links, the kernel's ELOOP) resolves to
 * undefined and an entry reached through one is refused.
 */
import { posix } from 'node:path';
import { TarFormatError, type FramedEntry } from './tar-framing.js';

const MAX_LINKS = 100_000;

/** Where entries land as the engine unpacks in a chroot: the archive's own symlinks, as they are made. */
export class Unpacked {
  private readonly links = new Map<string, string>();
  private readonly linkDirs = new Map<string, number>();

  resolve(path: string): string | undefined {
    let todo = path.split('/');
    let done: string[] = [];
    for (let hops = 0; todo.length > 0;) {
      const part = todo.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      const target = this.links.get([...done, part].join('/'));
      if (target === undefined) done.push(part);
      else {
        if (++hops > 40) return undefined; // the kernel's ELOOP
        if (target.startsWith('/')) done = [];
        todo = [...target.split('/'), ...todo];
      }
    }
    return done.join('/');
  }

  /** Records an entry; returns the name it lands at. */
  place(entry: FramedEntry, what: string): string {
    const clean = posix.normalize(`/${entry.name}`).replace(/^\/+|\/+$/g, '');
    if (clean === '') {
      if (entry.type === '5') return '';
      throw new TarFormatError(`an entry of ${what} replaces its root`);
    }
    const slash = clean.lastIndexOf('/');
    const parent = slash < 0 ? '' : this.resolve(clean.slice(0, slash));
    if (parent === undefined)
      throw new TarFormatError(`${clean} is reached through a loop of symbolic links`);
    const name = parent === '' ? clean.slice(slash + 1) : `${parent}/${clean.slice(slash + 1)}`;
    // The engine removes what is at the name first, unless a directory meets a directory.
    this.unlink(name);
    if (entry.type !== '5') this.removeUnder(name);
    if (entry.type === '2') {
      if (this.links.size >= MAX_LINKS) throw new TarFormatError(`more than ${MAX_LINKS} symbolic links`);
      this.links.set(name, entry.linkname);
      for (const dir of ancestors(name)) this.count(dir, 1);
    }
    return name;
  }

  private count(dir: string, delta: number): void {
    const n = (this.linkDirs.get(dir) ?? 0) + delta;
    if (n > 0) this.linkDirs.set(dir, n);
    else this.linkDirs.delete(dir);
  }

  private unlink(name: string): void {
    if (!this.links.delete(name)) return;
    for (const dir of ancestors(name)) this.count(dir, -1);
  }

  private removeUnder(dir: string): void {
    if (!this.linkDirs.has(dir)) return;
    for (const name of [...this.links.keys()]) if (name.startsWith(`${dir}/`)) this.unlink(name);
  }
}

function ancestors(name: string): string[] {
  const parts = name.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
