/**
 * Repositories: every repository of the registry the user may see (their own namespace, their orgs' as
 * their teams allow, public ones), searchable and filtered by namespace. Those who may create somewhere
 * (their own namespace always; orgs they administer) get the Create repository form.
 */
import { useMemo } from 'react';
import { Link } from 'react-router';
import { useApiList } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { DataTable, type Column, type Filter } from '../ui/data-table.js';
import { Page, Section } from '../ui/page.js';
import { repositoryUrl } from '../ui/registry-format.js';
import { QueryView } from '../ui/states.js';
import { CreateRepository } from './repository-create.js';

type Repository = RouteOutput<'getRepository'>;

const columns: Column<Repository>[] = [
  {
    id: 'path',
    header: 'Repository',
    value: (r) => `${r.namespace}/${r.name}`,
    render: (r) => <Link to={repositoryUrl(r.namespace, r.name)}>{`${r.namespace}/${r.name}`}</Link>,
  },
  { id: 'visibility', header: 'Visibility', value: (r) => r.visibility, width: '7rem' },
  { id: 'description', header: 'Description', value: (r) => r.description },
  {
    id: 'createdAt',
    header: 'Created',
    value: (r) => r.createdAt,
    render: (r) => new Date(r.createdAt).toLocaleDateString(),
    width: '8rem',
    searchable: false,
  },
];

function namespaceFilter(rows: readonly Repository[]): Filter<Repository> {
  const namespaces = [...new Set(rows.map((r) => r.namespace))].sort();
  return {
    label: 'Namespace',
    options: [
      { label: 'All namespaces', test: () => true },
      ...namespaces.map((ns) => ({ label: ns, test: (r: Repository) => r.namespace === ns })),
    ],
  };
}

function RepositoryTable({ rows }: { rows: Repository[] }) {
  const filter = useMemo(() => namespaceFilter(rows), [rows]);
  return (
    <DataTable
      noun="repositories"
      rows={rows}
      columns={columns}
      rowKey={(r) => `${r.namespace}/${r.name}`}
      filter={filter}
      initialSort={{ column: 'path', direction: 'ascending' }}
      empty="No repositories you may see yet. Create one above, or push an image to your own namespace: pushing creates it."
    />
  );
}

export default function RepositoriesPage() {
  const repositories = useApiList('listRepositories');
  return (
    <Page title="Repositories">
      <CreateRepository />
      <Section title="Repositories you may see">
        <QueryView query={repositories} what="repositories">
          {(rows) => <RepositoryTable rows={rows} />}
        </QueryView>
      </Section>
    </Page>
  );
}
