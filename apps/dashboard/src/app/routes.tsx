/**
 * The dashboard's URL map. Pages load on demand; the controller answers index.html for any of these
 * paths, so they can be bookmarked and reloaded. Everything but /login needs a session.
 */
import { lazy, type ComponentType } from 'react';
import { createBrowserRouter } from 'react-router';
import { LoginPage } from '../pages/login-page.js';
import { Layout } from './layout.js';
import { RequireSession } from './require-session.js';

/** A page's code, loaded on first visit; one retry covers a download cut by a network change. */
function page(load: () => Promise<{ default: ComponentType }>) {
  return lazy(() => load().catch(() => new Promise<void>((r) => setTimeout(r, 500)).then(load)));
}

const OverviewPage = page(() => import('../pages/overview-page.js'));
const UsersPage = page(() => import('../pages/users-page.js'));
const OrgsPage = page(() => import('../pages/orgs-page.js'));
const OrgPage = page(() => import('../pages/org-page.js'));
const TeamPage = page(() => import('../pages/team-page.js'));
const RolesPage = page(() => import('../pages/roles-page.js'));
const CollectionsPage = page(() => import('../pages/collections-page.js'));
const GrantsPage = page(() => import('../pages/grants-page.js'));
const ProfilePage = page(() => import('../pages/profile-page.js'));
const SettingsPage = page(() => import('../pages/settings-page.js'));
const JobsPage = page(() => import('../pages/jobs-page.js'));
const NetworksPage = page(() => import('../pages/networks-page.js'));
const VolumesPage = page(() => import('../pages/volumes-page.js'));
const SecretsPage = page(() => import('../pages/secrets-page.js'));
const ConfigsPage = page(() => import('../pages/configs-page.js'));
const StacksPage = page(() => import('../pages/stacks-page.js'));
const NodesPage = page(() => import('../pages/nodes-page.js'));
const NodePage = page(() => import('../pages/node-page.js'));
const ServicesPage = page(() => import('../pages/services-page.js'));
const ServicePage = page(() => import('../pages/service-page.js'));
const ContainersPage = page(() => import('../pages/containers-page.js'));
const ContainerPage = page(() => import('../pages/container-page.js'));
const RepositoriesPage = page(() => import('../pages/repositories-page.js'));
const RepositoryPage = page(() => import('../pages/repository-page.js'));
const NotFoundPage = page(() => import('../pages/not-found-page.js'));

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    element: (
      <RequireSession>
        <Layout />
      </RequireSession>
    ),
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'users', element: <UsersPage /> },
      { path: 'orgs', element: <OrgsPage /> },
      { path: 'orgs/:org', element: <OrgPage /> },
      { path: 'orgs/:org/teams/:team', element: <TeamPage /> },
      { path: 'roles', element: <RolesPage /> },
      { path: 'collections', element: <CollectionsPage /> },
      { path: 'grants', element: <GrantsPage /> },
      { path: 'settings', element: <SettingsPage /> },
      { path: 'jobs', element: <JobsPage /> },
      { path: 'networks', element: <NetworksPage /> },
      { path: 'volumes', element: <VolumesPage /> },
      { path: 'secrets', element: <SecretsPage /> },
      { path: 'configs', element: <ConfigsPage /> },
      { path: 'stacks', element: <StacksPage /> },
      { path: 'nodes', element: <NodesPage /> },
      { path: 'nodes/:id', element: <NodePage /> },
      { path: 'services', element: <ServicesPage /> },
      { path: 'services/:id', element: <ServicePage /> },
      { path: 'containers', element: <ContainersPage /> },
      { path: 'containers/:id', element: <ContainerPage /> },
      { path: 'repositories', element: <RepositoriesPage /> },
      { path: 'repositories/:namespace/*', element: <RepositoryPage /> },
      { path: 'profile', element: <ProfilePage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
