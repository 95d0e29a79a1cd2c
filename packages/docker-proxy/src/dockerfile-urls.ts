/**
 * The URLs a Dockerfile makes the legacy builder fetch: the sources of `ADD` that are http(s) URLs after
 * expansion, and those of `ONBUILD ADD`, which run in every later build FROM the image (planted by a
 * build, or by `POST /commit` and `POST /images/create` `changes`).
 *
 * What a variable holds is known only where the engine's own rules make it certain (builder/dockerfile:
 * the run config's Env, base image first, then the ARGs of the stage that ENV does not shadow):
 * - ENV set in the stage (or an earlier stage it is FROM) is certain.
 * - An ARG (its `--build-arg` value, its default) is certain only in a stage that starts FROM scratch:
 *   any image's own ENV of that name wins over it, and images can be retagged under the proxy's feet.
 * - A meta ARG (before the first FROM) not declared again in the stage, `$@`-style parameters, and ONBUILD
 *   triggers (they expand in a later build's environment) are never certain.
 * A source that could be a URL whose host depends on an uncertain value is `unresolved`: the proxy refuses
 * those for non-administrators. Words whose expansion fails are unresolved too (the engine stops there).
 *
 * When the file mentions an escape directive, it is read with both escape tokens and the findings joined,
 * so a directive the engine understands differently from this port can only add refusals.
 */
import {
  addArguments,
  expandWord,
  LexError,
  mentionsEscape,
  parseDockerfile,
  parseWords,
} from './dockerfile-parse.js';
import type { Lexed, Lookup } from './dockerfile-parse.js';

export interface FetchedSources {
  /** http(s) URLs as the engine will fetch them, or their certain beginning when only the path is unknown. */
  readonly urls: string[];
  /** Sources (as written) that may be URLs whose host Stevedore cannot know. */
  readonly unresolved: string[];
  /** Images stages start FROM: their ONBUILD triggers run in this build (check them with `triggerSources`). */
  readonly bases: string[];
}

export type BuildArgs = Readonly<Record<string, string | null | undefined>>;

/** Build args the engine lets every stage see without an ARG (builder/dockerfile/buildargs.go). */
const BUILTIN_ARGS = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);
const UNSET = { found: false, value: '' } as const;
const set = (value: string) => ({ found: true, value });
type Known = { value: string } | undefined;

interface Stage {
  env: Map<string, Known>;
  args: Map<string, Known | null>;
  /** The stage starts FROM scratch (through earlier stages): no image ENV can shadow its ARGs. */
  fromScratch: boolean;
  /** An ENV or ARG of unknown name ran: no variable is known any more. */
  wild: boolean;
}

class Findings {
  readonly urls = new Set<string>();
  readonly unresolved = new Set<string>();
  readonly bases = new Set<string>();

  source(word: string, escape: string, lookup: Lookup): void {
    let r: Lexed;
    try {
      r = expandWord(word, escape, lookup);
    } catch (err) {
      if (!(err instanceof LexError)) throw err;
      this.unresolved.add(word);
      return;
    }
    const url = r.text.startsWith('http://') || r.text.startsWith('https://');
    if (r.sure) {
      if (url) this.urls.add(r.text);
    } else if (url) {
      // The authority ends at the first `/`, `?` or `#`: once one is certain, so is the host.
      if (/[/?#]/.test(r.text.slice(r.text.indexOf('//') + 2))) this.urls.add(r.text);
      else this.unresolved.add(word);
    } else if ('http://'.startsWith(r.text) || 'https://'.startsWith(r.text)) this.unresolved.add(word);
  }

  result(): FetchedSources {
    return { urls: [...this.urls], unresolved: [...this.unresolved], bases: [...this.bases] };
  }
}

const NEVER: Lookup = () => undefined;

/** The ADD sources of ONBUILD triggers (an image's Config.OnBuild, or a Dockerfile's ONBUILD lines). */
function triggers(texts: readonly string[], into: Findings, depth = 0): void {
  for (const text of texts) {
    // A later build parses each trigger alone, with the default escape token (dispatchTriggeredOnBuild).
    const bytes = Buffer.from(text, 'utf8').toString('latin1');
    for (const ins of parseDockerfile(bytes).instructions) {
      if (ins.cmd === 'add') addSources(ins.args, '\\', NEVER, into);
      // A trigger whose keyword Go's regexp does not strip (`ONBUİLD`) is itself read as one, to be safe.
      else if (ins.cmd === 'onbuild' && depth < 4)
        triggers([triggerOf(ins.original), ins.args], into, depth + 1);
    }
  }
}

/** ONBUILD keeps the line without the keyword: Go's `(?i)^\s*ONBUILD\s*`. */
const triggerOf = (original: string) => original.replace(/^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*/i, '');

function addSources(args: string, escape: string, lookup: Lookup, into: Findings): void {
  const words = addArguments(args);
  for (const word of words.slice(0, -1)) into.source(word, escape, lookup);
}

function evaluate(
  bytes: string,
  buildArgs: Map<string, string>,
  escape: string | undefined,
  into: Findings,
): void {
  const parsed = parseDockerfile(bytes, escape);
  const esc = parsed.escape;
  const meta = new Map<string, Known | null>();
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  const metaLookup: Lookup = (name) => {
    if (meta.has(name)) {
      const v = meta.get(name);
      return v === null ? UNSET : v && set(v.value);
    }
    const b = BUILTIN_ARGS.has(name) ? buildArgs.get(name) : undefined;
    return b === undefined ? UNSET : set(b);
  };
  const stageLookup =
    (s: Stage): Lookup =>
    (name) => {
      if (s.wild) return undefined;
      if (s.env.has(name)) {
        const v = s.env.get(name);
        return v && set(v.value);
      }
      if (!s.fromScratch) return undefined;
      if (s.args.has(name)) {
        const a = s.args.get(name);
        return a === null ? UNSET : a && set(a.value);
      }
      if (meta.has(name)) return undefined;
      const b = BUILTIN_ARGS.has(name) ? buildArgs.get(name) : undefined;
      return b === undefined ? UNSET : set(b);
    };
  const known = (word: string, lookup: Lookup): Known => {
    try {
      const r = expandWord(word, esc, lookup);
      return r.sure ? { value: r.text } : undefined;
    } catch (err) {
      if (err instanceof LexError) return undefined;
      throw err;
    }
  };
  for (const ins of parsed.instructions) {
    const lookup = stage ? stageLookup(stage) : NEVER;
    switch (ins.cmd) {
      case 'from': {
        const words = ins.args.split(/[\t\v\f\r ]+/);
        const image = known(words[0] ?? '', metaLookup);
        const next: Stage = { env: new Map(), args: new Map(), fromScratch: false, wild: false };
        const parent = image && stages.get(image.value.toLowerCase());
        // An earlier stage wins over an image of the same name, `scratch` included (getImageOrStage).
        if (!image) into.unresolved.add(`FROM ${words[0] ?? ''}`);
        else if (parent)
          Object.assign(next, {
            env: new Map(parent.env),
            fromScratch: parent.fromScratch,
            wild: parent.wild,
          });
        else if (image.value === 'scratch') next.fromScratch = true;
        else if (image.value !== '') into.bases.add(image.value);
        if (words.length === 3 && words[1]!.toLowerCase() === 'as') stages.set(words[2]!.toLowerCase(), next);
        stage = next;
        break;
      }
      case 'arg':
        for (const word of parseWords(ins.args, esc)) {
          const eq = word.indexOf('=');
          const key = known(eq < 0 ? word : word.slice(0, eq), lookup);
          const given = key && buildArgs.get(key.value);
          const declared = eq < 0 ? undefined : word.slice(eq + 1);
          const value =
            given !== undefined
              ? { value: given }
              : declared !== undefined
                ? known(declared, stage ? lookup : metaLookup)
                : undefined;
          if (!stage) {
            if (key) meta.set(key.value, given !== undefined || declared !== undefined ? value : null);
          } else if (!key) stage.wild = true;
          else
            stage.args.set(
              key.value,
              given !== undefined || declared !== undefined
                ? value
                : meta.has(key.value)
                  ? meta.get(key.value)
                  : null,
            );
        }
        break;
      case 'env': {
        if (!stage) break;
        const words = parseWords(ins.args, esc);
        let pairs: [string, string][];
        if (words.length > 0 && !words[0]!.includes('=')) {
          const ws = /[\t\v\f\r ]+/.exec(ins.args);
          pairs = ws ? [[ins.args.slice(0, ws.index), ins.args.slice(ws.index + ws[0].length)]] : [];
        } else
          pairs = words
            .filter((w) => w.includes('='))
            .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]);
        // Every pair expands with the environment before the instruction, then all are set.
        const expanded = pairs.map(([k, v]) => [known(k, lookup), known(v, lookup)] as const);
        for (const [k, v] of expanded) {
          if (k) stage.env.set(k.value, v);
          else stage.wild = true;
        }
        break;
      }
      case 'add':
        addSources(ins.args, esc, lookup, into);
        break;
      case 'copy': {
        // `COPY --from=<image>` reads another image's files: it is a base like FROM's (a stage name or
        // index is not). A value with a variable cannot be known.
        const from = /(?:^|[\t ])--from=(\S+)/i.exec(
          ins.original.slice(0, ins.original.length - ins.args.length),
        );
        const value = from?.[1];
        if (value === undefined) break;
        if (value.includes('$')) into.unresolved.add(`COPY --from=${value}`);
        else if (!stages.has(value.toLowerCase()) && !/^\d+$/.test(value)) into.bases.add(value);
        break;
      }
      case 'onbuild':
        triggers([triggerOf(ins.original), ins.args], into);
        break;
    }
  }
}

function argsMap(buildArgs: BuildArgs): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(buildArgs)) if (typeof v === 'string') m.set(k, v);
  return m;
}

function read(text: string | Buffer, buildArgs: BuildArgs): FetchedSources {
  const bytes =
    typeof text === 'string' ? Buffer.from(text, 'utf8').toString('latin1') : text.toString('latin1');
  const into = new Findings();
  const args = argsMap(buildArgs);
  evaluate(bytes, args, undefined, into);
  if (mentionsEscape(bytes)) for (const esc of ['\\', '`']) evaluate(bytes, args, esc, into);
  return into.result();
}

/** Every URL source of ADD and ONBUILD ADD in a Dockerfile, with `--build-arg` values (`buildargs`). */
export function fetchedSources(dockerfile: string | Buffer, buildArgs: BuildArgs = {}): FetchedSources {
  return read(dockerfile, buildArgs);
}

/** The URLs planted by `changes` (`POST /commit`, `POST /images/create`): Dockerfile lines, ONBUILD ADD. */
export function changesUrls(changes: readonly string[]): FetchedSources {
  // BuildFromConfig parses the changes joined by newlines, as one Dockerfile; they never run ADD directly.
  const found = read(changes.join('\n'), {});
  return { ...found, bases: [] };
}

/** The URL sources of an image's ONBUILD triggers (Config.OnBuild), which run in a build FROM it. */
export function triggerSources(onBuild: readonly string[]): FetchedSources {
  const into = new Findings();
  triggers(onBuild, into);
  return into.result();
}
