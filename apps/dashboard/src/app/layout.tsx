/**
 * The frame of every signed-in page: a skip link, the banner with the account menu, the main navigation
 * (the registry's pages; administration only for administrators) and the <main> landmark the page renders into.
 */
import { Suspense } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useSession } from '../session/session.js';
import { PageErrorBoundary } from '../ui/error-boundary.js';
import { Loading } from '../ui/states.js';

const everyone = [
  { to: '/', label: 'Overview', end: true },
  { to: '/nodes', label: 'Nodes' },
  { to: '/services', label: 'Services' },
  { to: '/containers', label: 'Containers' },
  { to: '/orgs', label: 'Orgs & teams' },
  { to: '/roles', label: 'Roles' },
  { to: '/collections', label: 'Collections' },
  { to: '/grants', label: 'Grants' },
  { to: '/stacks', label: 'Stacks' },
  { to: '/networks', label: 'Networks' },
  { to: '/volumes', label: 'Volumes' },
  { to: '/secrets', label: 'Secrets' },
  { to: '/configs', label: 'Configs' },
];
const registry = [{ to: '/repositories', label: 'Repositories' }];
const administration = [
  { to: '/users', label: 'Users' },
  { to: '/jobs', label: 'Jobs' },
  { to: '/settings', label: 'Admin settings' },
];

function Links({ links }: { links: readonly { to: string; label: string; end?: boolean }[] }) {
  return (
    <ul>
      {links.map((l) => (
        <li key={l.to}>
          <NavLink to={l.to} end={l.end ?? false}>
            {l.label}
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

export function Layout() {
  const session = useSession();
  const { pathname } = useLocation();
  const user = session.user!;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="banner">
        <span className="brand">Stevedore</span>
        <span className="whoami">
          Signed in as <strong>{user.name}</strong>
          {user.admin ? ' (administrator)' : ''}
        </span>
        <NavLink to="/profile">My profile</NavLink>
        <button type="button" onClick={() => void session.logout()}>
          Log out
        </button>
      </header>
      <div className="shell">
        <nav aria-label="Main" className="sidebar">
          <Links links={everyone} />
          <h2 className="nav-group">Registry</h2>
          <Links links={registry} />
          {user.admin && (
            <>
              <h2 className="nav-group">Administration</h2>
              <Links links={administration} />
            </>
          )}
        </nav>
        <main id="main" tabIndex={-1}>
          <PageErrorBoundary resetKey={pathname}>
            <Suspense fallback={<Loading what="the page" />}>
              <Outlet />
            </Suspense>
          </PageErrorBoundary>
        </main>
      </div>
    </>
  );
}
