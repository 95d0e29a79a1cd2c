/**
 * Finished jobs are kept for a week, then pruned by a daily cluster job (`jobs.prune`): long enough to read
 * what went wrong last weekend, short enough that the hourly jobs keep a few hundred records at most.
 */
import { z } from 'zod';
import type { Jobs } from '@stevedore/jobs';

export const PRUNE_JOBS = 'jobs.prune';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Defines the kind and its daily schedule; answers a function that stops the schedule. */
export function scheduleJobPruning(jobs: Jobs, keepDays = 7): () => Promise<void> {
  jobs.define(PRUNE_JOBS, {
    schema: z.strictObject({ keepDays: z.number().int().min(1).max(3650) }),
    maxAttempts: 3,
    handler: async ({ keepDays: days }) => ({
      deleted: await jobs.prune({ finishedBefore: new Date(Date.now() - days * DAY_MS) }),
    }),
  });
  const schedule = jobs.schedule(PRUNE_JOBS, {
    kind: PRUNE_JOBS,
    payload: { keepDays },
    everySeconds: 86_400,
  });
  return () => schedule.stop();
}
