/**
 * The dashboard's URL map. Pages load on demand; the controller answers index.html for any of these
 * paths, so they can be bookmarked and reloaded. Everything but /login needs a session.
 */
import { lazy } from 'react';
import { createBrowserRouter } from 'react-router';
import { LoginPage } from '../pages/login-page.js';
import { Layout } from './layout.js';
import { RequireSession } from './require-session.js';

const OverviewPage = lazy(() => import('../pages/overview-page.js'));
const UsersPage = lazy(() => import('../pages/users-page.js'));
const OrgsPage = lazy(() => import('../pages/orgs-page.js'));
const OrgPage = lazy(() => import('../pages/org-page.js'));
const TeamPage = lazy(() => import('../pages/team-page.js'));
const RolesPage = lazy(() => import('../pages/roles-page.js'));
const CollectionsPage = lazy(() => import('../pages/collections-page.js'));
const GrantsPage = lazy(() => import('../pages/grants-page.js'));
const ProfilePage = lazy(() => import('../pages/profile-page.js'));
const NotFoundPage = lazy(() => import('../pages/not-found-page.js'));

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
