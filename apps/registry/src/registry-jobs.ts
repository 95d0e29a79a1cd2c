/**
 * The registry's background work, as cluster jobs (packages/jobs): the upload sweep runs once per interval
 * in the whole cluster, on whichever process's runner claims it, not once per registry process.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Jobs } from '@stevedore/jobs';
import type { Registry } from '@stevedore/registry-core';

export const SWEEP_UPLOADS = 'registry.sweep-uploads';

export interface RegistryJobOptions {
  /** Unfinished uploads older than this are cancelled. */
  readonly uploadMaxAgeMs: number;
  /** How often the sweep runs in the cluster. */
  readonly sweepEverySeconds: number;
}

/** Defines the registry's job kinds and schedules on `jobs`; answers a function that stops the schedules. */
export function scheduleRegistryJobs(
  jobs: Jobs,
  registry: Registry,
  log: Logger,
  options: RegistryJobOptions,
): () => Promise<void> {
  jobs.define(SWEEP_UPLOADS, {
    schema: z.strictObject({ maxAgeMs: z.number().int().positive() }),
    maxAttempts: 3,
    handler: async ({ maxAgeMs }) => {
      const result = await registry.janitor.sweep(maxAgeMs);
      if (result.expired || result.orphans) log.info(result, 'swept abandoned uploads');
      return result;
    },
  });
  const schedule = jobs.schedule(SWEEP_UPLOADS, {
    kind: SWEEP_UPLOADS,
    payload: { maxAgeMs: options.uploadMaxAgeMs },
    everySeconds: options.sweepEverySeconds,
  });
  return () => schedule.stop();
}
