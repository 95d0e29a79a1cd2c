/**
 * What access tokens share, a user's (My profile) and a service account's: the columns (expiry, scope,
 * last use), the expiry choice, and the new secret shown once with the `docker login` line that uses it.
 */
import { loginCommand, useRegistryHost } from '../api/registry-host.js';
import { CopyField } from '../ui/copy-field.js';
import type { Column } from '../ui/data-table.js';
import { formatTime } from '../ui/docker-format.js';
import { Field } from '../ui/form.js';

export interface TokenRow {
  readonly id: string;
  readonly label: string;
  readonly createdAt: string;
  readonly expiresAt?: string | undefined;
  readonly lastUsedAt?: string | undefined;
  readonly scope: string;
}

const SCOPE_TEXT: Record<string, string> = { all: 'everything', registry: 'registry only' };

export function tokenColumns<T extends TokenRow>(): Column<T>[] {
  return [
    { id: 'label', header: 'Label', value: (t) => t.label },
    { id: 'scope', header: 'Scope', value: (t) => SCOPE_TEXT[t.scope] ?? t.scope, width: '8rem' },
    {
      id: 'createdAt',
      header: 'Created',
      value: (t) => t.createdAt,
      render: (t) => new Date(t.createdAt).toLocaleDateString(),
      width: '8rem',
      searchable: false,
    },
    {
      id: 'expiresAt',
      header: 'Expires',
      value: (t) => t.expiresAt ?? '',
      render: (t) => (t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : 'never'),
      width: '8rem',
      searchable: false,
    },
    {
      id: 'lastUsedAt',
      header: 'Last used',
      value: (t) => t.lastUsedAt ?? '',
      render: (t) => (t.lastUsedAt ? formatTime(t.lastUsedAt) : 'never'),
      width: '13rem',
      searchable: false,
    },
  ];
}

/** Lifetimes offered; the server allows at most a year. */
const EXPIRY_DAYS = [7, 30, 90, 365] as const;

export function ExpiryField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (days: string) => void;
  error?: string | undefined;
}) {
  return (
    <Field label="Expires" error={error}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">never</option>
          {EXPIRY_DAYS.map((d) => (
            <option key={d} value={String(d)}>
              in {d} days
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The secret of a token just created: shown this once (the server keeps only its hash). */
export function TokenSecret({
  label,
  secret,
  login,
  onDone,
}: {
  label: string;
  secret: string;
  /** The registry login name, for the `docker login` line. */
  login: string;
  onDone: () => void;
}) {
  const host = useRegistryHost();
  return (
    <div className="secret" role="status">
      <p>
        Token <strong>{label}</strong> created. Copy it now: it is shown only once.
      </p>
      <CopyField label="Token secret" value={secret} />
      <CopyField label="Log in to the registry with it" value={loginCommand(host, login)} />
      <p className="hint">Give the token on standard input, e.g. from your CI system&apos;s secret store.</p>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </div>
  );
}
