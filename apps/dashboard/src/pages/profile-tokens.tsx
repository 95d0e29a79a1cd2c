/**
 * Access tokens: long-lived bearer tokens for scripts and `docker login`. A new token's secret is shown
 * once, right after it is created (the server keeps only its hash); the list shows labels, scope, expiry
 * and last use; each can be revoked. A token may expire, and may be limited to the registry (it then
 * logs in to the registry and nothing else).
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { useSession } from '../session/session.js';
import { DataTable } from '../ui/data-table.js';
import { DeleteButton, FormStatus, TextField, validate, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { expiresAtOf } from '../ui/registry-format.js';
import { ExpiryField, tokenColumns, TokenSecret } from './token-parts.js';

type Token = RouteOutput<'listAccessTokens'>['items'][number];

const columns = tokenColumns<Token>();
const EMPTY = { label: '', days: '', registryOnly: false };

export function AccessTokens() {
  const me = useSession().user!.name;
  const tokens = useApiQuery('listAccessTokens');
  const create = useApiMutation('createAccessToken', { invalidates: ['listAccessTokens'] });
  const revoke = useApiMutation('revokeAccessToken', { invalidates: ['listAccessTokens'] });
  const [form, setForm] = useState(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [secret, setSecret] = useState<RouteOutput<'createAccessToken'> | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createAccessTokenRequest, {
      label: form.label,
      expiresAt: expiresAtOf(form.days),
      scope: form.registryOnly ? 'registry' : undefined,
    });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    create.mutate(
      { body: checked.data },
      {
        onSuccess: (t) => {
          setSecret(t);
          setForm(EMPTY);
        },
      },
    );
  };
  return (
    <Section title="Access tokens">
      <form onSubmit={submit} className="inline-form" noValidate>
        <TextField
          label="Token label"
          hint="What the token is for, e.g. ci-deploy"
          error={errors['label']}
          value={form.label}
          onChange={(label) => setForm({ ...form, label })}
        />
        <ExpiryField
          value={form.days}
          error={errors['expiresAt']}
          onChange={(days) => setForm({ ...form, days })}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={form.registryOnly}
            onChange={(e) => setForm({ ...form, registryOnly: e.target.checked })}
          />
          Registry only
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <FormStatus error={create.error ?? revoke.error} />
      {secret && (
        <TokenSecret label={secret.label} secret={secret.token} login={me} onDone={() => setSecret(null)} />
      )}
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
