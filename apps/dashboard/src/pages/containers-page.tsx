/**
 * Containers: every container the user may see, running or not (`GET /containers/json?all=1`), with
 * stop and remove where the user holds `container.stop` / `container.remove` on its collection. A swarm
 * task's container is in its service's collection. In a cluster of several nodes a Node column says where
 * each runs (the controller names containers `/<node>/<name>`).
 */
import { useMemo } from 'react';
import { Link } from 'react-router';
import type { Container } from '../api/docker.js';
import { useDocker, useDockerMutation } from '../api/docker-hooks.js';
import { usePermissions } from '../api/permissions.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { CollectionCode, LiveUpdates, StateText } from '../ui/docker-bits.js';
import { containerCollection, containerName, containerNode } from '../ui/docker-format.js';
import { DeleteButton, FormStatus } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

const SERVICE_NAME_LABEL = 'com.docker.swarm.service.name';

function columnsFor(collection: (c: Container) => string, nodes: boolean): Column<Container>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      value: (c) => containerName(c.Names, c.Id),
      render: (c) => (
        <Link to={`/containers/${encodeURIComponent(c.Id)}`}>{containerName(c.Names, c.Id)}</Link>
      ),
    },
    // In a cluster of several nodes, where each container runs.
    ...(nodes
      ? [
          {
            id: 'node',
            header: 'Node',
            value: (c: Container) => containerNode(c.Names) ?? '—',
            width: '8rem',
          },
        ]
      : []),
    {
      id: 'state',
      header: 'State',
      value: (c) => c.State,
      render: (c) => <StateText state={c.State} />,
      width: '6.5rem',
    },
    { id: 'status', header: 'Status', value: (c) => c.Status, width: '8.5rem' },
    { id: 'image', header: 'Image', value: (c) => c.Image?.replace(/@sha256:.*/, '') },
    {
      id: 'collection',
      header: 'Collection',
      value: collection,
      render: (c) => <CollectionCode path={collection(c)} />,
    },
  ];
}

const filter = {
  label: 'Show',
  options: [
    { label: 'All containers', test: () => true },
    { label: 'Running', test: (c: Container) => c.State === 'running' },
    { label: 'Stopped', test: (c: Container) => c.State !== 'running' },
    { label: 'Swarm tasks', test: (c: Container) => Boolean(c.Labels?.[SERVICE_NAME_LABEL]) },
  ],
};

export default function ContainersPage() {
  const containers = useDocker('containers');
  const services = useDocker('services');
  const permissions = usePermissions();
  const collection = useMemo(() => containerCollection(services.data), [services.data]);
  const nodes = useMemo(
    () => (containers.data ?? []).some((c) => containerNode(c.Names) !== undefined),
    [containers.data],
  );
  const columns = useMemo(() => columnsFor(collection, nodes), [collection, nodes]);
  const stop = useDockerMutation(
    (docker, id: string) => docker.post(`/containers/${encodeURIComponent(id)}/stop`),
    {
      invalidates: ['containers'],
    },
  );
  const remove = useDockerMutation(
    (docker, id: string) => docker.delete(`/containers/${encodeURIComponent(id)}`, { force: true }),
    { invalidates: ['containers'] },
  );
  const actions = (c: Container) => {
    const where = collection(c);
    const name = containerName(c.Names, c.Id);
    return (
      <>
        {c.State === 'running' && permissions.can('container.stop', where) && (
          <DeleteButton
            label={`Stop container ${name}`}
            verb="Stop"
            onConfirm={() => stop.mutateAsync(c.Id)}
          />
        )}
        {permissions.can('container.remove', where) && (
          <DeleteButton
            label={`Remove container ${name}`}
            verb="Remove"
            onConfirm={() => remove.mutateAsync(c.Id)}
          />
        )}
      </>
    );
  };
  return (
    <Page title="Containers">
      <LiveUpdates />
      <Section title="All containers">
        <FormStatus error={stop.error ?? remove.error} />
        <QueryView query={containers} what="containers">
          {(rows) => (
            <DataTable
              noun="containers"
              rows={rows}
              columns={columns}
              rowKey={(c) => c.Id}
              filter={filter}
              initialSort={{ column: 'name', direction: 'ascending' }}
              empty="No containers are visible to you."
              actions={actions}
            />
          )}
        </QueryView>
      </Section>
    </Page>
  );
}
