/**
 * Services: every service the user may see, with replicas, image and collection. Users who may create a
 * service somewhere (`service.create`) and schedule it on some visible node (`node.schedule` on the node's
 * collection) get the create form; a service's own page scales, updates, removes it and shows its logs.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { collectionOf, type Node, type Service } from '../api/docker.js';
import { useDocker } from '../api/docker-hooks.js';
import { usePermissions, type Permissions } from '../api/permissions.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { CollectionCode, LiveUpdates } from '../ui/docker-bits.js';
import { formatTime, replicasOf } from '../ui/docker-format.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { CreateService } from './service-create.js';

const columns: Column<Service>[] = [
  {
    id: 'name',
    header: 'Name',
    value: (s) => s.Spec.Name,
    render: (s) => <Link to={`/services/${encodeURIComponent(s.ID)}`}>{s.Spec.Name}</Link>,
  },
  { id: 'replicas', header: 'Replicas', value: replicasOf, width: '8rem', searchable: false },
  {
    id: 'image',
    header: 'Image',
    value: (s) => s.Spec.TaskTemplate.ContainerSpec?.Image?.replace(/@sha256:.*/, ''),
  },
  {
    id: 'collection',
    header: 'Collection',
    value: (s) => collectionOf(s.Spec.Labels),
    render: (s) => <CollectionCode path={collectionOf(s.Spec.Labels)} />,
  },
  {
    id: 'updated',
    header: 'Updated',
    value: (s) => s.UpdatedAt,
    render: (s) => formatTime(s.UpdatedAt),
    width: '12rem',
    searchable: false,
  },
];

const filter = {
  label: 'Show',
  options: [
    { label: 'All services', test: () => true },
    {
      label: 'Not fully running',
      test: (s: Service) => (s.ServiceStatus?.RunningTasks ?? 0) < (s.ServiceStatus?.DesiredTasks ?? 0),
    },
    { label: 'Replicated', test: (s: Service) => Boolean(s.Spec.Mode?.Replicated) },
    { label: 'Global', test: (s: Service) => Boolean(s.Spec.Mode?.Global) },
  ],
};

/** Whether a create could pass: `service.create` somewhere and a visible node the user may schedule on. */
export function canCreateService(permissions: Permissions, nodes: readonly Node[] | undefined): boolean {
  if (permissions.admin) return true;
  return (
    permissions.can('service.create') &&
    (nodes ?? []).some((n) => permissions.can('node.schedule', collectionOf(n.Spec.Labels)))
  );
}

export default function ServicesPage() {
  const services = useDocker('services');
  const nodes = useDocker('nodes');
  const permissions = usePermissions();
  const [creating, setCreating] = useState(false);
  const mayCreate = canCreateService(permissions, nodes.data);
  return (
    <Page
      title="Services"
      actions={
        mayCreate && !creating ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create service
          </button>
        ) : undefined
      }
    >
      <LiveUpdates />
      {mayCreate && creating && <CreateService onClose={() => setCreating(false)} />}
      <Section title="All services">
        <QueryView query={services} what="services">
          {(rows) => (
            <DataTable
              noun="services"
              rows={rows}
              columns={columns}
              rowKey={(s) => s.ID}
              filter={filter}
              initialSort={{ column: 'name', direction: 'ascending' }}
              empty="No services are visible to you."
            />
          )}
        </QueryView>
      </Section>
    </Page>
  );
}
