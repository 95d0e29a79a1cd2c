/**
 * One repository (`/repositories/<namespace>/<name…>`): what it is, then tabs for its tags (with the
 * `docker pull` line), its team permissions and, for those with admin access, its settings. A repository
 * the user may not see answers 404 like a missing one, shown as such.
 */
import { Link, useParams } from 'react-router';
import { useApiQuery } from '../api/hooks.js';
import { canAdminister } from '../api/repository-rights.js';
import { formatTime } from '../ui/docker-format.js';
import { Page } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { Tabs, type Tab } from '../ui/tabs.js';
import { RepositoryPermissions } from './repository-permissions.js';
import { RepositorySettings } from './repository-settings.js';
import { RepositoryTags } from './repository-tags.js';

export default function RepositoryPage() {
  const params = useParams();
  const namespace = params['namespace'] ?? '';
  const name = params['*'] ?? '';
  const path = `${namespace}/${name}`;
  const repository = useApiQuery('getRepository', { params: { namespace, name } });
  return (
    <Page title={`Repository ${path}`}>
      <p>
        <Link to="/repositories">All repositories</Link>
      </p>
      <QueryView query={repository} what={`repository ${path}`}>
        {(r) => {
          const tabs: Tab[] = [
            { id: 'tags', label: 'Tags', render: () => <RepositoryTags repository={r} /> },
            {
              id: 'permissions',
              label: 'Permissions',
              render: () => <RepositoryPermissions repository={r} />,
            },
          ];
          if (canAdminister(r))
            tabs.push({
              id: 'settings',
              label: 'Settings',
              render: () => <RepositorySettings repository={r} />,
            });
          return (
            <>
              <dl className="facts">
                <dt>Visibility</dt>
                <dd>{r.visibility}</dd>
                <dt>Description</dt>
                <dd>{r.description || '—'}</dd>
                <dt>Created</dt>
                <dd>
                  {formatTime(r.createdAt)} by {r.createdBy}
                </dd>
                <dt>Your access</dt>
                <dd>{r.actions.join(', ')}</dd>
              </dl>
              <Tabs label={`Repository ${path}`} tabs={tabs} />
            </>
          );
        }}
      </QueryView>
    </Page>
  );
}
