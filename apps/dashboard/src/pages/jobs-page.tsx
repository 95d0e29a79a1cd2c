/**
 * Jobs (administrators): the cluster's background work (packages/jobs) — upload sweeps, certificate
 * renewal and whatever later features enqueue — newest first, refreshed every few seconds. A row shows the
 * state, the attempts so far, the last error and the timings; "History" lists every attempt with the
 * runner that ran it; a queued or running job can be cancelled.
 */
import { useState } from 'react';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { formatTime } from '../ui/docker-format.js';
import { FormStatus } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Job = RouteOutput<'listJobs'>['items'][number];

const REFRESH_MS = 3000;
const SHOWN = 500;

const columns: Column<Job>[] = [
  // The id and the finishing times are in the history: the table keeps its width for the kind and the error.
  { id: 'kind', header: 'Kind', value: (j) => j.kind, width: '15rem' },
  { id: 'state', header: 'State', value: (j) => j.state, width: '7.5rem' },
  {
    id: 'attempts',
    header: 'Attempts',
    value: (j) => `${j.attempts} of ${j.maxAttempts}`,
    width: '6rem',
    searchable: false,
  },
  { id: 'lastError', header: 'Last error', value: (j) => j.lastError ?? '' },
  {
    id: 'createdAt',
    header: 'Created',
    value: (j) => j.createdAt,
    render: (j) => formatTime(j.createdAt),
    width: '10rem',
  },
];

const filter = {
  label: 'Show',
  options: [
    { label: 'All jobs', test: () => true },
    { label: 'Queued or running', test: (j: Job) => j.state === 'queued' || j.state === 'running' },
    { label: 'Failed', test: (j: Job) => j.state === 'failed' },
    { label: 'Succeeded', test: (j: Job) => j.state === 'succeeded' },
    { label: 'Cancelled', test: (j: Job) => j.state === 'cancelled' },
  ],
};

function History({ job }: { job: Job }) {
  return (
    <Section title={`History of ${job.kind} ${job.id}`}>
      {job.progress !== undefined && <p>Progress: {job.progress}</p>}
      {job.result !== undefined && (
        <p>
          Result: <code>{JSON.stringify(job.result)}</code>
        </p>
      )}
      {job.history.length === 0 ? (
        <p className="hint">No attempt yet{job.nextRunAt ? `: due ${formatTime(job.nextRunAt)}` : ''}.</p>
      ) : (
        <table aria-label={`Attempts of ${job.kind} ${job.id}`}>
          <thead>
            <tr>
              <th scope="col">Attempt</th>
              <th scope="col">Runner</th>
              <th scope="col">Started</th>
              <th scope="col">Finished</th>
              <th scope="col">Outcome</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {job.history.map((a) => (
              <tr key={a.attempt}>
                <td>{a.attempt}</td>
                <td>
                  <code>{a.runner}</code>
                </td>
                <td>{formatTime(a.startedAt)}</td>
                <td>{a.finishedAt ? formatTime(a.finishedAt) : 'running'}</td>
                <td>{a.outcome ?? 'running'}</td>
                <td>{a.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

export default function JobsPage() {
  const jobs = useApiQuery('listJobs', { query: { limit: SHOWN } }, { refetchInterval: REFRESH_MS });
  const cancel = useApiMutation('cancelJob', { invalidates: ['listJobs'] });
  const [selected, setSelected] = useState<string | null>(null);
  const keyOf = (j: Job) => `${j.kind}/${j.id}`;
  return (
    <Page title="Jobs">
      <p className="hint">
        Background work that runs once in the cluster: a job whose runner stops is taken over by another
        controller after its lease expires. Newest {SHOWN} shown; refreshed every {REFRESH_MS / 1000} s.
      </p>
      <Section title="All jobs">
        <FormStatus error={cancel.error} />
        <QueryView query={jobs} what="jobs">
          {(page) => {
            const shown = page.items.find((j) => keyOf(j) === selected);
            return (
              <>
                <DataTable
                  noun="jobs"
                  rows={page.items}
                  columns={columns}
                  rowKey={keyOf}
                  filter={filter}
                  initialSort={{ column: 'createdAt', direction: 'descending' }}
                  empty="No jobs have run yet."
                  actions={(j) => (
                    <>
                      <button
                        type="button"
                        aria-label={`History of ${j.kind} ${j.id}`}
                        aria-pressed={keyOf(j) === selected}
                        onClick={() => setSelected(keyOf(j) === selected ? null : keyOf(j))}
                      >
                        History
                      </button>
                      {(j.state === 'queued' || j.state === 'running') && (
                        <button
                          type="button"
                          aria-label={`Cancel ${j.kind} ${j.id}`}
                          disabled={cancel.isPending}
                          onClick={() => cancel.mutate({ params: { id: j.id } })}
                        >
                          Cancel
                        </button>
                      )}
                    </>
                  )}
                />
                {shown && <History job={shown} />}
              </>
            );
          }}
        </QueryView>
      </Section>
    </Page>
  );
}
