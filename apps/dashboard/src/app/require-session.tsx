/**
 * Guards the signed-in part of the app: without a token it sends the visitor to /login (remembering where
 * they were going); while the account loads it says so; if the account cannot be read it explains why.
 */
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../session/session.js';
import { ErrorNotice, Loading } from '../ui/states.js';

export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session.token) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
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
