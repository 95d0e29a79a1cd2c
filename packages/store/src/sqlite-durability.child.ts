/**
 * Child process of `sqlite-durability.test.ts`: writes keys to the SQLite store at argv[2] forever, and
 * prints each key on stdout only after its `put` resolved (was acknowledged). The parent SIGKILLs us.
 */
import { openSqliteStore } from './sqlite-store.js';

const [path, round] = process.argv.slice(2);
if (!path || !round) throw new Error('usage: sqlite-durability.child.ts <db path> <round>');
const store = openSqliteStore({ path });
for (let i = 0; ; i++) {
  const key = `/durable/${round}/${String(i).padStart(6, '0')}`;
  await store.put(key, durableValue(key));
  // The next write waits until this acknowledgement has left the process: stdout queues writes to a full
  // pipe in memory, and a SIGKILL would drop those (the parent would see more keys stored than acknowledged).
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(key + '\n', (err) => (err ? reject(err) : resolve())),
  );
}

export function durableValue(key: string): string {
  return `value of ${key} `.repeat(8);
}
