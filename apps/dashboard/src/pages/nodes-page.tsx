/**
 * Nodes: the swarm's machines the user may see (the proxy filters the list by `node.view`), with state,
 * availability, role, collection and resources. A node's page edits its labels, availability and role.
 * Administrators also get "Add a node": the join command with its token (node-join-section.tsx).
 */
import { Link } from 'react-router';
import { collectionOf, type Node } from '../api/docker.js';
import { useDocker } from '../api/docker-hooks.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { CollectionCode, LiveUpdates, StateText } from '../ui/docker-bits.js';
import { formatBytes, formatCpus, nodeName, nodeRole } from '../ui/docker-format.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { useSession } from '../session/session.js';
import { AddNodeSection } from './node-join-section.js';
import { StoreHealthSection } from './store-health-section.js';

const columns: Column<Node>[] = [
  {
    id: 'name',
    header: 'Hostname',
    value: nodeName,
    render: (n) => <Link to={`/nodes/${encodeURIComponent(n.ID)}`}>{nodeName(n)}</Link>,
  },
  {
    id: 'state',
    header: 'State',
    value: (n) => n.Status?.State,
    render: (n) => <StateText state={n.Status?.State} />,
    width: '7rem',
  },
  { id: 'availability', header: 'Availability', value: (n) => n.Spec.Availability, width: '8rem' },
  { id: 'role', header: 'Role', value: nodeRole, width: '10rem' },
  {
    id: 'collection',
    header: 'Collection',
    value: (n) => collectionOf(n.Spec.Labels),
    render: (n) => <CollectionCode path={collectionOf(n.Spec.Labels)} />,
  },
  {
    id: 'cpus',
    header: 'CPUs',
    value: (n) => n.Description?.Resources?.NanoCPUs,
    render: (n) => formatCpus(n.Description?.Resources?.NanoCPUs),
    width: '5rem',
    searchable: false,
  },
  {
    id: 'memory',
    header: 'Memory',
    value: (n) => n.Description?.Resources?.MemoryBytes,
    render: (n) => formatBytes(n.Description?.Resources?.MemoryBytes),
    width: '7rem',
    searchable: false,
  },
  { id: 'address', header: 'Address', value: (n) => n.Status?.Addr, width: '9rem' },
];

const filter = {
  label: 'Show',
  options: [
    { label: 'All nodes', test: () => true },
    { label: 'Ready', test: (n: Node) => n.Status?.State === 'ready' },
    { label: 'Not ready', test: (n: Node) => n.Status?.State !== 'ready' },
    { label: 'Drained or paused', test: (n: Node) => n.Spec.Availability !== 'active' },
    { label: 'Managers', test: (n: Node) => n.Spec.Role === 'manager' },
  ],
};

export default function NodesPage() {
  const nodes = useDocker('nodes');
  const admin = useSession().user!.admin;
  return (
    <Page title="Nodes">
      <LiveUpdates />
      {admin && <AddNodeSection />}
      {admin && <StoreHealthSection />}
      <Section title="Swarm nodes">
        <QueryView query={nodes} what="nodes">
          {(rows) => (
            <DataTable
              noun="nodes"
              rows={rows}
              columns={columns}
              rowKey={(n) => n.ID}
              filter={filter}
              initialSort={{ column: 'name', direction: 'ascending' }}
              empty="No nodes are visible to you. Nodes are shown to users with a grant on their collection."
            />
          )}
        </QueryView>
      </Section>
    </Page>
  );
}
