/**
 * Overview: who you are and what you can reach (orgs, collections, grants), and for administrators the
 * audit log of the last 24 hours, newest first. The swarm's nodes, services and tasks are in overview-docker.tsx.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { useApiList, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { useSession } from '../session/session.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { DockerOverview } from './overview-docker.js';

type AuditEntry = RouteOutput<'audit'>['items'][number];

const auditColumns: Column<AuditEntry>[] = [
  {
    id: 'time',
    header: 'Time',
    value: (e) => e.time,
    render: (e) => new Date(e.time).toLocaleString(),
    width: '15rem',
  },
  { id: 'actor', header: 'Actor', value: (e) => e.actor },
  { id: 'action', header: 'Action', value: (e) => e.action },
  { id: 'target', header: 'Target', value: (e) => e.target },
  { id: 'result', header: 'Result', value: (e) => `${e.result} (${e.status})`, width: '9rem' },
];
const auditFilter = {
  label: 'Result',
  options: [
    { label: 'All results', test: () => true },
    { label: 'Failures', test: (e: AuditEntry) => e.result === 'failure' },
    { label: 'Successes', test: (e: AuditEntry) => e.result === 'success' },
  ],
};

function Count({ what, to, count }: { what: string; to: string; count: number | undefined }) {
  return (
    <li className="card">
      <Link to={to}>
        <span className="card-number">{count ?? '…'}</span> {what}
      </Link>
    </li>
  );
}

function RecentAudit() {
  const [since] = useState(() => new Date(Date.now() - 24 * 3600_000).toISOString());
  const audit = useApiList('audit', { since });
  return (
    <Section title="Audit log, last 24 hours">
      <QueryView query={audit} what="the audit log">
        {(entries) => (
          <DataTable
            noun="audit events"
            rows={entries}
            columns={auditColumns}
            rowKey={(e) => e.id}
            filter={auditFilter}
            initialSort={{ column: 'time', direction: 'descending' }}
            empty="Nothing has been recorded in the last 24 hours."
          />
        )}
      </QueryView>
    </Section>
  );
}

export default function OverviewPage() {
  const { user } = useSession();
  const orgs = useApiList('listOrgs');
  const collections = useApiQuery('listCollections');
  const grants = useApiQuery('listGrants');
  return (
    <Page title="Overview">
      <Section title="At a glance">
        <p>
          You are <strong>{user!.fullName || user!.name}</strong>
          {user!.admin ? ', an administrator' : ''}. Your default collection is{' '}
          <code>{user!.defaultCollection}</code>.
        </p>
        <ul className="cards">
          <Count what="orgs" to="/orgs" count={orgs.data?.length} />
          <Count what="collections" to="/collections" count={collections.data?.items.length} />
          <Count
            what={user!.admin ? 'grants' : 'grants that apply to you'}
            to="/grants"
            count={grants.data?.items.length}
          />
        </ul>
      </Section>
      <DockerOverview />
      {user!.admin && <RecentAudit />}
    </Page>
  );
}
