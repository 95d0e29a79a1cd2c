/** A service's tasks (`GET /tasks?filters={"service":[id]}`): slot, state, desired state, node, errors. */
import { Link } from 'react-router';
import type { Node, Task } from '../api/docker.js';
import { useDocker } from '../api/docker-hooks.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { StateText } from '../ui/docker-bits.js';
import { formatTime, nodeName, shortId } from '../ui/docker-format.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

/** Task states change without events of their own (only their containers'), so the list also polls. */
export const TASK_REFRESH_MS = 3000;

const filter = {
  label: 'Show',
  options: [
    { label: 'Current tasks', test: (t: Task) => t.DesiredState === 'running' || t.DesiredState === 'ready' },
    { label: 'All tasks', test: () => true },
    { label: 'Failed', test: (t: Task) => ['failed', 'rejected'].includes(t.Status?.State ?? '') },
  ],
};

function columnsFor(nodes: ReadonlyMap<string, Node>, serviceName: string): Column<Task>[] {
  return [
    {
      id: 'name',
      header: 'Task',
      value: (t) => `${serviceName}.${t.Slot ?? shortId(t.NodeID)}`,
      width: '12rem',
    },
    {
      id: 'state',
      header: 'State',
      value: (t) => t.Status?.State,
      render: (t) => <StateText state={t.Status?.State} />,
      width: '7rem',
    },
    { id: 'desired', header: 'Desired', value: (t) => t.DesiredState, width: '7rem' },
    {
      id: 'node',
      header: 'Node',
      value: (t) => {
        const n = t.NodeID ? nodes.get(t.NodeID) : undefined;
        return n ? nodeName(n) : shortId(t.NodeID);
      },
    },
    {
      id: 'container',
      header: 'Container',
      value: (t) => shortId(t.Status?.ContainerStatus?.ContainerID),
      render: (t) => {
        const id = t.Status?.ContainerStatus?.ContainerID;
        return id ? <Link to={`/containers/${id}`}>{shortId(id)}</Link> : '—';
      },
      width: '9rem',
    },
    { id: 'message', header: 'Message', value: (t) => t.Status?.Err ?? t.Status?.Message },
    {
      id: 'time',
      header: 'Since',
      value: (t) => t.Status?.Timestamp,
      render: (t) => formatTime(t.Status?.Timestamp),
      width: '11rem',
      searchable: false,
    },
  ];
}

export function ServiceTasks({ serviceId, serviceName }: { serviceId: string; serviceName: string }) {
  const tasks = useDocker('tasks', { filters: { service: [serviceId] }, refetchInterval: TASK_REFRESH_MS });
  const nodes = useDocker('nodes');
  const byId = new Map((nodes.data ?? []).map((n) => [n.ID, n]));
  return (
    <Section title="Tasks">
      <QueryView query={tasks} what="tasks">
        {(rows) => (
          <DataTable
            noun="tasks"
            rows={rows}
            columns={columnsFor(byId, serviceName)}
            rowKey={(t) => t.ID}
            filter={filter}
            initialSort={{ column: 'name', direction: 'ascending' }}
            empty="This service has no tasks yet."
          />
        )}
      </QueryView>
    </Section>
  );
}
