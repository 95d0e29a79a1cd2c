/**
 * Login. Wrong credentials get the server's message; a throttled login (429 with Retry-After) says how long
 * to wait and keeps the button disabled until then, counting down.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useSearchParams } from 'react-router';
import { describeError, isApiError } from '../api/api-error.js';
import { useSession } from '../session/session.js';

function useCountdown(): [number, (seconds: number) => void] {
  const [until, setUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until <= now) return;
    const timer = setTimeout(() => setNow(Date.now()), 1000);
    return () => clearTimeout(timer);
  }, [until, now]);
  const left = Math.max(0, Math.ceil((until - now) / 1000));
  return [
    left,
    (seconds) => {
      setNow(Date.now());
      setUntil(Date.now() + seconds * 1000);
    },
  ];
}

export function LoginPage() {
  const session = useSession();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [wait, startWait] = useCountdown();

  useEffect(() => {
    document.title = 'Log in · Stevedore';
  }, []);

  if (session.token) {
    const next = params.get('next');
    return <Navigate to={next?.startsWith('/') && !next.startsWith('//') ? next : '/'} replace />;
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    session
      .login(username, password)
      .catch((err: unknown) => {
        setError(err);
        if (isApiError(err) && err.status === 429) startWait(err.retryAfterSeconds ?? 30);
      })
      .finally(() => setPending(false));
  };

  const message = error ? describeError(error) : session.notice;
  return (
    <main id="main" className="login">
      <form onSubmit={submit} aria-labelledby="login-title" noValidate>
        <h1 id="login-title">Log in to Stevedore</h1>
        <div className={error ? 'notice notice-error' : 'notice-slot'} role="alert">
          {message && <p>{message}</p>}
          {error !== null && isApiError(error) && error.status === 429 && wait > 0 && (
            <p>You can try again in {wait} s.</p>
          )}
        </div>
        <div className="field">
          <label htmlFor="username">User name</label>
          <input
            id="username"
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={pending || wait > 0 || !username || !password}>
          {pending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
