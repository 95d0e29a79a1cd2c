/**
 * Background jobs (administrators): list, one job, cancel. A job's payload is not shown: kinds may carry
 * references that are nobody's business in a listing, and the record's state says what the job did.
 */
import type { JobRecord } from '@stevedore/jobs';
import type { Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';
import { notFound } from './visibility.js';

function jobOf(j: JobRecord) {
  return {
    kind: j.kind,
    id: j.id,
    state: j.state,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    ...(j.lastError !== undefined ? { lastError: j.lastError } : {}),
    createdAt: j.createdAt,
    ...(j.startedAt !== undefined ? { startedAt: j.startedAt } : {}),
    ...(j.finishedAt !== undefined ? { finishedAt: j.finishedAt } : {}),
    ...(j.state === 'queued' && j.nextRunAt !== undefined ? { nextRunAt: j.nextRunAt } : {}),
    ...(j.schedule !== undefined ? { schedule: j.schedule } : {}),
    ...(j.progress !== undefined ? { progress: j.progress } : {}),
    ...(j.result !== undefined ? { result: j.result } : {}),
    history: j.history.map((a) => ({
      attempt: a.attempt,
      runner: a.runner,
      startedAt: a.startedAt,
      ...(a.finishedAt !== undefined ? { finishedAt: a.finishedAt } : {}),
      ...(a.outcome !== undefined ? { outcome: a.outcome } : {}),
      ...(a.error !== undefined ? { error: a.error } : {}),
    })),
  };
}

export function jobHandlers({ jobs }: Services): Pick<Handlers, 'listJobs' | 'getJob' | 'cancelJob'> {
  return {
    listJobs: async ({ query }) => {
      const page = await jobs.list({
        ...(query.kind !== undefined ? { kind: query.kind } : {}),
        ...(query.state !== undefined ? { state: query.state } : {}),
        ...(query.after !== undefined ? { after: query.after } : {}),
        limit: query.limit ?? 100,
      });
      return { body: { items: page.jobs.map(jobOf), next: page.next ?? null } };
    },
    getJob: async ({ params }) => {
      const job = await jobs.get(params.id);
      if (!job) throw notFound(`job ${params.id}`);
      return { body: jobOf(job) };
    },
    cancelJob: async ({ params, audit }) => {
      audit.target = `job:${params.id}`;
      return { body: jobOf(await jobs.cancel(params.id)) };
    },
  };
}
