/**
 * Access tokens: long-lived bearer tokens for scripts. A new token's secret is shown once, right after it
 * is created (the server keeps only its hash); the list shows labels and dates; each can be revoked.
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, validate } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Token = RouteOutput<'listAccessTokens'>['items'][number];

const columns: Column<Token>[] = [
  { id: 'label', header: 'Label', value: (t) => t.label },
  {
    id: 'createdAt',
    header: 'Created',
    value: (t) => t.createdAt,
    render: (t) => new Date(t.createdAt).toLocaleString(),
    width: '14rem',
  },
];

function NewSecret({ token, onDone }: { token: RouteOutput<'createAccessToken'>; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret" role="status">
      <p>
        Token <strong>{token.label}</strong> created. Copy it now: it is shown only once.
      </p>
      <label htmlFor="new-token-secret">Token secret</label>
      <input id="new-token-secret" readOnly value={token.token} onFocus={(e) => e.target.select()} />
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard?.writeText(token.token).then(
            () => setCopied(true),
            () => undefined,
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

export function AccessTokens() {
  const tokens = useApiQuery('listAccessTokens');
  const create = useApiMutation('createAccessToken', { invalidates: ['listAccessTokens'] });
  const revoke = useApiMutation('revokeAccessToken', { invalidates: ['listAccessTokens'] });
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [secret, setSecret] = useState<RouteOutput<'createAccessToken'> | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createAccessTokenRequest, { label });
    setError(checked.ok ? undefined : checked.errors['label']);
    if (!checked.ok) return;
    create.mutate(
      { body: checked.data },
      {
        onSuccess: (t) => {
          setSecret(t);
          setLabel('');
        },
      },
    );
  };
  return (
    <Section title="Access tokens">
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field label="Token label" error={error} hint="What the token is for, e.g. ci-deploy">
          {(p) => <input {...p} value={label} onChange={(e) => setLabel(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <FormStatus error={create.error ?? revoke.error} />
      {secret && <NewSecret token={secret} onDone={() => setSecret(null)} />}
      <QueryView query={tokens} what="access tokens">
        {(data) => (
          <DataTable
            noun="access tokens"
            rows={data.items}
            columns={columns}
            rowKey={(t) => t.id}
            initialSort={{ column: 'createdAt', direction: 'descending' }}
            empty="You have no access tokens."
            actions={(t) => (
              <DeleteButton
                verb="Revoke"
                label={`Revoke token ${t.label}`}
                onConfirm={() => revoke.mutateAsync({ params: { id: t.id } })}
              />
            )}
          />
        )}
      </QueryView>
    </Section>
  );
}
