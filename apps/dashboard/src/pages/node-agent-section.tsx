/**
 * "Stevedore agent" on a node's page (administrators): the node's Stevedore components as its agent last
 * reported them (`GET /api/v1/nodes/{id}/components`), and a warning when the reports have stopped. A
 * swarm node that never joined through `stevedore join` has no agent, and the section says so.
 */
import { isApiError } from '../api/api-error.js';
import type { RouteOutput } from '../api/client.js';
import { useApiQuery } from '../api/hooks.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { Section } from '../ui/page.js';
import { ErrorNotice, Loading } from '../ui/states.js';

type Component = RouteOutput<'nodeComponents'>['components'][number];

const columns: Column<Component>[] = [
  { id: 'name', header: 'Component', value: (c) => c.name },
  { id: 'state', header: 'State', value: (c) => c.state, width: '8rem' },
  { id: 'pid', header: 'Process', value: (c) => c.pid, width: '7rem', searchable: false },
  { id: 'restarts', header: 'Restarts', value: (c) => c.restarts, width: '6rem', searchable: false },
  {
    id: 'since',
    header: 'Since',
    value: (c) => c.since,
    render: (c) => new Date(c.since).toLocaleString(),
    width: '13rem',
  },
  { id: 'error', header: 'Last error', value: (c) => c.lastError ?? '' },
];

export function NodeAgentSection({ swarmNodeId }: { swarmNodeId: string }) {
  const report = useApiQuery('nodeComponents', { params: { id: swarmNodeId } }, { refetchInterval: 10_000 });
  let body;
  if (report.isPending) body = <Loading what="the agent's report" />;
  else if (report.error) {
    body =
      isApiError(report.error) && report.error.status === 404 ? (
        <p>
          This node did not join through <code>stevedore join</code>, so no Stevedore agent reports from it.
        </p>
      ) : (
        <ErrorNotice error={report.error} retry={() => void report.refetch()} />
      );
  } else {
    const r = report.data;
    body = (
      <>
        <p>
          Member node <code>{r.node.id}</code> ({r.node.role}), agent {r.node.agentVersion ?? 'unknown'}; last
          report {r.reportedAt ? new Date(r.reportedAt).toLocaleString() : 'never'}.
        </p>
        {r.stale && (
          <p className="notice notice-error" role="status">
            The agent has not reported for a while: it may be down, or the node cut off. On the node, run
            <code> stevedore status</code>.
          </p>
        )}
        <DataTable
          noun="components"
          rows={r.components}
          columns={columns}
          rowKey={(c) => c.name}
          empty="The agent has reported no components yet."
        />
      </>
    );
  }
  return <Section title="Stevedore agent">{body}</Section>;
}
