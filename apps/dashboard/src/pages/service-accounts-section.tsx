/**
 * An org's service accounts (robot accounts for CI): each logs in to the registry as `<org>+<name>` with
 * a token, and has repository access of its own within the org. Administrators and the org's admins
 * create and delete them; "Tokens" opens one account's tokens below the list.
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, TextField, validate, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { ServiceAccountTokens } from './service-account-tokens.js';

type ServiceAccount = RouteOutput<'listServiceAccounts'>['items'][number];

const accessText = (a: ServiceAccount): string =>
  a.repositories.map((r) => `${r.name}: ${r.access}`).join(', ') || 'none';

const columns: Column<ServiceAccount>[] = [
  { id: 'name', header: 'Service account', value: (a) => a.name, width: '12rem' },
  { id: 'login', header: 'Login name', value: (a) => a.login, width: '14rem' },
  { id: 'description', header: 'Purpose', value: (a) => a.description },
  { id: 'repositories', header: 'Repository access', value: accessText },
];

const EMPTY = { name: '', description: '', repository: '', access: 'read-only' };

function CreateServiceAccount({ org }: { org: string }) {
  const create = useApiMutation('createServiceAccount', { invalidates: ['listServiceAccounts'] });
  const [form, setForm] = useState(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createServiceAccountRequest, {
      name: form.name,
      description: form.description || undefined,
      repositories: form.repository ? [{ name: form.repository, access: form.access }] : undefined,
    });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    setCreated(null);
    create.mutate(
      { params: { org }, body: checked.data },
      {
        onSuccess: (a) => {
          setCreated(`Created service account ${a.name}: it logs in as ${a.login}.`);
          setForm(EMPTY);
        },
      },
    );
  };
  return (
    <>
      <form
        onSubmit={submit}
        className="inline-form"
        noValidate
        aria-label={`Create a service account in ${org}`}
      >
        <TextField
          label="Service account name"
          error={errors['name']}
          value={form.name}
          onChange={(name) => setForm({ ...form, name })}
        />
        <TextField
          label="Purpose"
          hint="e.g. CI of the web app"
          error={errors['description']}
          value={form.description}
          onChange={(description) => setForm({ ...form, description })}
        />
        <TextField
          label="Repository"
          hint={`A path within ${org} (e.g. app/web), * for all, or empty`}
          error={errors['repositories']}
          value={form.repository}
          onChange={(repository) => setForm({ ...form, repository })}
        />
        <Field label="Its access">
          {(p) => (
            <select {...p} value={form.access} onChange={(e) => setForm({ ...form, access: e.target.value })}>
              <option value="read-only">read-only</option>
              <option value="read-write">read-write</option>
              <option value="admin">admin</option>
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create service account
        </button>
      </form>
      <FormStatus error={create.error} success={created} />
    </>
  );
}

export function ServiceAccountsSection({ org, canManage }: { org: string; canManage: boolean }) {
  const accounts = useApiQuery('listServiceAccounts', { params: { org } });
  const remove = useApiMutation('deleteServiceAccount', { invalidates: ['listServiceAccounts'] });
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <Section title={`Service accounts of ${org}`}>
      {canManage && <CreateServiceAccount org={org} />}
      <FormStatus error={remove.error} />
      <QueryView query={accounts} what="service accounts">
        {(data) => {
          const shown = data.items.find((a) => a.name === selected);
          return (
            <>
              <DataTable
                noun="service accounts"
                rows={data.items}
                columns={columns}
                rowKey={(a) => a.name}
                initialSort={{ column: 'name', direction: 'ascending' }}
                empty={`${org} has no service accounts.${canManage ? ' Create one above for a CI system: it gets tokens, never a password.' : ''}`}
                actions={(a) => (
                  <>
                    <button
                      type="button"
                      aria-label={`Tokens of ${a.name}`}
                      aria-pressed={a.name === selected}
                      onClick={() => setSelected(a.name === selected ? null : a.name)}
                    >
                      Tokens
                    </button>
                    {canManage && (
                      <DeleteButton
                        label={`Delete service account ${a.name}`}
                        onConfirm={() => remove.mutateAsync({ params: { org, name: a.name } })}
                      />
                    )}
                  </>
                )}
              />
              {shown && <ServiceAccountTokens org={org} account={shown} canManage={canManage} />}
            </>
          );
        }}
      </QueryView>
    </Section>
  );
}
