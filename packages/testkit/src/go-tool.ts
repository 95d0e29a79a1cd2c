/**
 * Small Go programs that tests run as oracles (packages/testkit/go/<name>/, each its own module): e.g.
 * engine-decode, which reads request bodies with the Docker Engine's own Go types.
 *
 * Invariants:
 * - A program is built once per content: the binary lives in packages/testkit/.cache/bin/ under a name
 *   keyed by a hash of its sources (go.mod, go.sum, *.go), so an edit rebuilds and an unchanged tree never
 *   does. The build writes a temporary file and renames it, so test files building at once do not clash.
 * - Go is looked up on PATH, then at /usr/local/go/bin/go; without it the error says what to install.
 *   GOTOOLCHAIN=local: the build never downloads a toolchain (modules come from the module proxy).
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requireIntegrationTier } from './tier.js';

const GO_DIR = fileURLToPath(new URL('../go/', import.meta.url));
const CACHE_DIR = fileURLToPath(new URL('../.cache/bin/', import.meta.url));

/** The Go toolchain's `go` binary, or an error saying how to get one. */
export function findGo(): string {
  const candidates = [
    ...(process.env['PATH'] ?? '').split(delimiter).map((d) => join(d, 'go')),
    '/usr/local/go/bin/go',
  ];
  const found = candidates.find((c) => c !== 'go' && existsSync(c));
  if (!found)
    throw new Error(
      'Go is not installed (no `go` on PATH nor /usr/local/go/bin/go): this test builds a Go program ' +
        'from packages/testkit/go/. Install Go 1.21 or newer (https://go.dev/dl/) and run it again.',
    );
  return found;
}

async function sourcesOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourcesOf(full)));
    else if (/\.go$|^go\.(mod|sum)$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/** Builds packages/testkit/go/<name> (once per content) and answers the binary's path. */
export async function buildGoTool(name: string): Promise<string> {
  requireIntegrationTier('a Go-built test tool');
  const dir = join(GO_DIR, name);
  const hash = createHash('sha256');
  for (const file of await sourcesOf(dir))
    hash.update(`${relative(dir, file)}\0`).update(await readFile(file));
  const binary = join(CACHE_DIR, `${name}-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  const go = findGo();
  await mkdir(CACHE_DIR, { recursive: true });
  const temporary = `${binary}.${randomUUID()}.tmp`;
  try {
    await promisify(execFile)(go, ['build', '-trimpath', '-o', temporary, '.'], {
      cwd: dir,
      env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
    });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`go build of packages/testkit/go/${name} failed: ${stderr || String(e)}`);
  }
  await rename(temporary, binary);
  return binary;
}

/**
 * Runs a line-protocol tool once for many requests: writes each line to its stdin, closes it, and answers
 * its stdout lines in order. Rejects when it exits non-zero or answers a different number of lines.
 */
export function runLineTool(binary: string, lines: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const answers = Buffer.concat(stdout).toString('utf8').split('\n');
      if (answers.at(-1) === '') answers.pop();
      if (code !== 0) reject(new Error(`${binary} exited with ${code}: ${stderr}`));
      else if (answers.length !== lines.length)
        reject(new Error(`${binary} answered ${answers.length} lines for ${lines.length}: ${stderr}`));
      else resolve(answers);
    });
    child.stdin.on('error', reject);
    child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  });
}
