/**
 * Child process of the SIGKILL cases in `election-suite.ts`: opens the store described by argv, contends
 * for the election, prints `leader <token> <contender>` once its function runs, and waits to be killed.
 * Usage: contender.child.ts <sqlite PATH | etcd ENDPOINT> <election> <ttlSeconds>
 */
import { runWhileLeader } from './election.js';
import { openChildStore } from './testing/shared-store.js';

const [kind, where, name, ttl] = process.argv.slice(2);
const store = await openChildStore([kind ?? '', where ?? '']);
runWhileLeader(
  store,
  name ?? '',
  async (signal, term) => {
    process.stdout.write(`leader ${term.token} ${term.contender}\n`);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  },
  { ttlSeconds: Number(ttl), contender: `child-${process.pid}` },
);
