/**
 * The three states every data view has besides its content: loading, empty and error. Errors from the API
 * are explained in words (a refusal says it was refused and why); a retry button refetches.
 */
import type { ReactNode } from 'react';
import { describeError, isApiError } from '../api/api-error.js';

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

export function ErrorNotice({ error, retry }: { error: unknown; retry?: () => void }) {
  const refusal = isApiError(error) && error.isRefusal;
  return (
    <div className={refusal ? 'notice notice-refusal' : 'notice notice-error'} role="alert">
      <p>{describeError(error)}</p>
      {retry && !refusal && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

interface QueryLike<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly isPending: boolean;
  refetch(): unknown;
}

/** Renders loading / error for a query and the children with its data once it has some. */
export function QueryView<T>({
  query,
  what,
  children,
}: {
  query: QueryLike<T>;
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.error) return <ErrorNotice error={query.error} retry={() => void query.refetch()} />;
  if (query.isPending || query.data === undefined) return <Loading what={what} />;
  return <>{children(query.data)}</>;
}
