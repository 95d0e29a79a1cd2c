/**
 * Child process of the SIGKILL case in `jobs-suite.ts`: opens the store described by argv and runs a
 * runner whose `test.crash` handler marks the attempt as started in the Store, prints
 * `started <jobId> <attempt> <runnerId>`, and then hangs until it is killed.
 * Usage: runner.child.ts <sqlite PATH | etcd ENDPOINT>
 */
import { z } from 'zod';
import { openChildStore } from '@stevedore/leader/testing';
import { Jobs } from './jobs.js';

const store = await openChildStore(process.argv.slice(2));
const jobs = new Jobs(store);
const runnerId = `child-${process.pid}`;
jobs.define('test.crash', {
  schema: z.strictObject({ n: z.number() }),
  handler: async (_payload, ctx) => {
    await store.put(`/jobs-test/started/${ctx.jobId}/${ctx.attempt}`, runnerId);
    process.stdout.write(`started ${ctx.jobId} ${ctx.attempt} ${runnerId}\n`);
    await new Promise(() => undefined);
  },
});
jobs.startRunner({ leaseTtlSeconds: 2, runnerId });
process.stdout.write('ready\n');
