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
      { path: 'profile', element: <ProfilePage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
