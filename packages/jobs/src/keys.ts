/**
 * The Store key layout of jobs.
 *
 * ```
 * /jobs/
 *   records/<id>          JobRecord (JSON): the job's state, for get/list/cancel and the API
 *   keys/<kind>/<key>     idempotency index: the id of the job enqueued with that key (URI-encoded)
 *   run/                  what runners follow: small values, one watch
 *     pending/<id>        { kind, nextRunAt, cancel? }, present while the job is queued or running
 *     claims/<id>         { runner, attempt }, attached to the claiming runner's lease: exists exactly while
 *                         some runner may be running the job
 * ```
 *
 * Job ids sort newest first (an inverted millisecond timestamp, then random bits), so a range of
 * `records/` lists the newest jobs first without reading the rest. Ids never contain `/`.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '@stevedore/errors';

export const JOBS_PREFIX = '/jobs/';
export const RECORDS_PREFIX = `${JOBS_PREFIX}records/`;
export const RUN_PREFIX = `${JOBS_PREFIX}run/`;
export const PENDING_PREFIX = `${RUN_PREFIX}pending/`;
export const CLAIMS_PREFIX = `${RUN_PREFIX}claims/`;

export const jobKeys = {
  record: (id: string) => `${RECORDS_PREFIX}${id}`,
  pending: (id: string) => `${PENDING_PREFIX}${id}`,
  claim: (id: string) => `${CLAIMS_PREFIX}${id}`,
  idempotency: (kind: string, key: string) => `${JOBS_PREFIX}keys/${kind}/${encodeURIComponent(key)}`,
};

/** 36^9 ms is about the year 5138: nine base-36 digits hold every inverted timestamp until then. */
const TIME_SPAN = 36 ** 9;

export function newJobId(now = Date.now()): string {
  const inverted = (TIME_SPAN - 1 - now).toString(36).padStart(9, '0');
  return `${inverted}-${randomBytes(5).toString('hex')}`;
}

const ID = /^[0-9a-z]{9}-[0-9a-f]{10}$/;

export function checkJobId(id: string): void {
  if (typeof id !== 'string' || !ID.test(id)) {
    throw new InvalidArgumentError(
      `${JSON.stringify(id)} is not a job id; ids look like 'zz1x2c3v4-0a1b2c3d4e'`,
      {
        detail: { field: 'id' },
      },
    );
  }
}

/** The part of a run key after its prefix (the job id), or undefined for another key. */
export function idUnder(prefix: string, key: string): string | undefined {
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}
