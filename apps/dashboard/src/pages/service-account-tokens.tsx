/**
 * One service account's tokens (always registry-only): those who manage the org's service accounts
 * create one (the secret shown once, with its `docker login` line) and revoke them.
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { DataTable } from '../ui/data-table.js';
import { DeleteButton, FormStatus, TextField, validate, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { expiresAtOf } from '../ui/registry-format.js';
import { ExpiryField, tokenColumns, TokenSecret } from './token-parts.js';

type ServiceAccount = RouteOutput<'listServiceAccounts'>['items'][number];
type Token = RouteOutput<'listServiceAccountTokens'>['items'][number];
type NewToken = RouteOutput<'createServiceAccountToken'>;

const columns = tokenColumns<Token>();

export function ServiceAccountTokens({
  org,
  account,
  canManage,
}: {
  org: string;
  account: ServiceAccount;
  canManage: boolean;
}) {
  const params = { org, name: account.name };
  const tokens = useApiQuery('listServiceAccountTokens', { params });
  const invalidates = ['listServiceAccountTokens'] as const;
  const create = useApiMutation('createServiceAccountToken', { invalidates });
  const revoke = useApiMutation('revokeServiceAccountToken', { invalidates });
  const [form, setForm] = useState({ label: '', days: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [secret, setSecret] = useState<NewToken | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createServiceAccountTokenRequest, {
      label: form.label,
      expiresAt: expiresAtOf(form.days),
    });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    create.mutate(
      { params, body: checked.data },
      {
        onSuccess: (t) => {
          setSecret(t);
          setForm({ label: '', days: '' });
        },
      },
    );
  };
  return (
    <Section title={`Tokens of ${account.login}`}>
      {canManage && (
        <form
          onSubmit={submit}
          className="inline-form"
          noValidate
          aria-label={`Create a token for ${account.name}`}
        >
          <TextField
            label="Token label"
            hint="Where it is used, e.g. ci-main"
            error={errors['label']}
            value={form.label}
            onChange={(label) => setForm({ ...form, label })}
          />
          <ExpiryField
            value={form.days}
            error={errors['expiresAt']}
            onChange={(days) => setForm({ ...form, days })}
          />
          <button type="submit" className="primary" disabled={create.isPending}>
            Create token
          </button>
        </form>
      )}
      <FormStatus error={create.error ?? revoke.error} />
      {secret && (
        <TokenSecret
          label={secret.label}
          secret={secret.token}
          login={account.login}
          onDone={() => setSecret(null)}
        />
      )}
      <QueryView query={tokens} what="tokens">
        {(data) => (
          <DataTable
            noun="tokens"
            rows={data.items}
            columns={columns}
            rowKey={(t) => t.id}
            initialSort={{ column: 'createdAt', direction: 'descending' }}
            empty={`${account.login} has no tokens: it cannot log in until it has one.`}
            {...(canManage
              ? {
                  actions: (t: Token) => (
                    <DeleteButton
                      verb="Revoke"
                      label={`Revoke token ${t.label}`}
                      onConfirm={() => revoke.mutateAsync({ params: { ...params, id: t.id } })}
                    />
                  ),
                }
              : {})}
          />
        )}
      </QueryView>
    </Section>
  );
}
