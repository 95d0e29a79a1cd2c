export { Jobs, type JobsOptions } from './jobs.js';
export { JobRunner, type RunnerOptions } from './runner.js';
export type { EnqueueOptions, JobPage, ListOptions, PruneOptions } from './job-store.js';
export {
  DEFAULT_BACKOFF,
  DEFAULT_MAX_ATTEMPTS,
  type BackoffPolicy,
  type JobContext,
  type JobHandler,
  type JobKindOptions,
} from './kinds.js';
export {
  HISTORY_LIMIT,
  JOB_STATES,
  type AttemptOutcome,
  type AttemptRecord,
  type JobRecord,
  type JobState,
} from './record.js';
export {
  slotKey,
  slotStart,
  type ScheduleHandle,
  type ScheduleOptions,
  type ScheduleSpec,
} from './schedule.js';
export { JOBS_PREFIX } from './keys.js';
