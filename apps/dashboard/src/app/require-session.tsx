/**
 * Guards the signed-in part of the app: without a token it sends the visitor to /login (remembering where
 * they were going); while the account loads it says so; if the account cannot be read it explains why.
 */
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { LOGGED_OUT, useSession } from '../session/session.js';
import { ErrorNotice, Loading } from '../ui/states.js';

export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session.token) {
    const next = location.pathname + location.search;
    // After an explicit logout the next user starts at the overview, not on the last user's page.
    if (next === '/' || session.notice === LOGGED_OUT) return <Navigate to="/login" replace />;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (session.error && !session.user) {
    return (
      <main id="main" className="centered">
        <ErrorNotice error={session.error} />
      </main>
    );
  }
  if (!session.user) {
    return (
      <main id="main" className="centered">
        <Loading what="your account" />
      </main>
    );
  }
  return <>{children}</>;
}
