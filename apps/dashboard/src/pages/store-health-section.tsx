/**
 * "Managers and Store" on the Nodes page (administrators): the Store every controller shares, as
 * `GET /api/v1/cluster/health` reports it: its kind, whether it has a quorum, which member leads, and
 * each member, checked again every 10 s. A Store without a quorum says so at the top, in words.
 */
import type { RouteOutput } from '../api/client.js';
import { useApiQuery } from '../api/hooks.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Member = RouteOutput<'getClusterHealth'>['store']['members'][number];

const columns: Column<Member>[] = [
  { id: 'name', header: 'Member', value: (m) => m.name },
  { id: 'endpoint', header: 'Endpoint', value: (m) => m.endpoint },
  {
    id: 'state',
    header: 'State',
    value: (m) => (m.reachable ? (m.leader ? 'leader' : 'answering') : 'not answering'),
    width: '9rem',
  },
  { id: 'error', header: 'Last error', value: (m) => m.error ?? '' },
];

export function StoreHealthSection() {
  const health = useApiQuery('getClusterHealth', {}, { refetchInterval: 10_000 });
  return (
    <Section title="Managers and Store">
      <QueryView query={health} what="the Store's health">
        {(h) => (
          <>
            <p className={h.store.quorum ? undefined : 'notice notice-error'} role="status">
              {h.store.kind === 'etcd' ? 'etcd' : `Embedded ${h.store.kind} store`}:{' '}
              {h.store.quorum ? 'quorum' : 'no quorum'}. {h.store.message}.
            </p>
            <DataTable
              noun="Store members"
              rows={h.store.members}
              columns={columns}
              rowKey={(m) => `${m.name} ${m.endpoint}`}
              empty="The Store reported no members."
            />
            <p className="hint">Answered by controller {h.controller.version}.</p>
          </>
        )}
      </QueryView>
    </Section>
  );
}
