/**
 * Durability of the SQLite store: every write acknowledged before a SIGKILL is there after reopening. A
 * child process writes and reports each acknowledged key; we kill it at a random moment mid-stream.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from './sqlite-store.js';

const child = fileURLToPath(new URL('./sqlite-durability.child.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stevedore-durability-'));
const path = join(dir, 'store.db');
after(() => rmSync(dir, { recursive: true, force: true }));

// Kept in step with the child's `durableValue` (importing the child module would run its write loop).
const durableValue = (key: string): string => `value of ${key} `.repeat(8);

/** Runs the writer until SIGKILL, 200-800 ms after its first acknowledged write; returns the acked keys. */
async function writeUntilKilled(round: number): Promise<string[]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, path, String(round)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acked: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  createInterface({ input: proc.stdout }).on('line', (line) => {
    acked.push(line);
    timer ??= setTimeout(() => proc.kill('SIGKILL'), 200 + Math.random() * 600);
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    // 'close', not 'exit': only then has every line the child wrote been read from the pipe.
    proc.once('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  assert.equal(signal, 'SIGKILL', `the writer exited by itself (code ${code}) instead of being killed`);
  return acked;
}

it('keeps every acknowledged write across SIGKILL, round after round', async (t) => {
  let total = 0;
  for (let round = 1; round <= 4; round++) {
    const acked = await writeUntilKilled(round);
    assert.ok(acked.length > 0, 'the writer acknowledged nothing before it was killed');
    total += acked.length;
    t.diagnostic(`round ${round}: ${acked.length} writes acknowledged before SIGKILL`);
    const store = openSqliteStore({ path });
    try {
      for (const key of acked) {
        const kv = await store.get(key);
        assert.equal(kv?.value, durableValue(key), `acknowledged key ${key} was lost`);
      }
      // Every put is one revision, and acknowledged ones are a lower bound (one may have committed unreported).
      const revision = await store.revision();
      assert.ok(revision >= total + 1, `revision ${revision} is behind ${total} acknowledged writes`);
      const { kvs } = await store.range(`/durable/${round}/`);
      assert.ok(kvs.length - acked.length <= 1, `${kvs.length} keys stored, ${acked.length} acknowledged`);
    } finally {
      await store.close();
    }
  }
});
