/**
 * Orgs: all of them for administrators, yours otherwise. Administrators create and delete orgs here; each
 * org's teams and members are on its own page.
 */
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { schemas } from '@stevedore/api-contract';
import { useApiList, useApiMutation } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { useSession } from '../session/session.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, FormStatus, TextField, validate, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Org = RouteOutput<'getOrg'>;

const columns: Column<Org>[] = [
  {
    id: 'name',
    header: 'Org',
    value: (o) => o.name,
    render: (o) => <Link to={`/orgs/${encodeURIComponent(o.name)}`}>{o.name}</Link>,
  },
  { id: 'fullName', header: 'Full name', value: (o) => o.fullName },
  {
    id: 'createdAt',
    header: 'Created',
    value: (o) => o.createdAt,
    render: (o) => new Date(o.createdAt).toLocaleDateString(),
    width: '8rem',
  },
];

function CreateOrg() {
  const create = useApiMutation('createOrg', { invalidates: ['listOrgs'] });
  const [form, setForm] = useState({ name: '', fullName: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createOrgRequest, {
      name: form.name,
      fullName: form.fullName || undefined,
    });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    setCreated(null);
    create.mutate(
      { body: checked.data },
      {
        onSuccess: (org) => {
          setCreated(`Created org ${org.name}.`);
          setForm({ name: '', fullName: '' });
        },
      },
    );
  };
  return (
    <Section title="Create an org">
      <form onSubmit={submit} className="inline-form" noValidate>
        <TextField
          label="Org name"
          error={errors['name']}
          value={form.name}
          onChange={(name) => setForm({ ...form, name })}
        />
        <TextField
          label="Full name"
          error={errors['fullName']}
          value={form.fullName}
          onChange={(fullName) => setForm({ ...form, fullName })}
        />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create org
        </button>
      </form>
      <FormStatus error={create.error} success={created} />
    </Section>
  );
}

export default function OrgsPage() {
  const { user } = useSession();
  const orgs = useApiList('listOrgs');
  const remove = useApiMutation('deleteOrg', { invalidates: ['listOrgs'] });
  return (
    <Page title="Orgs & teams">
      {user!.admin && <CreateOrg />}
      <Section title={user!.admin ? 'All orgs' : 'Your orgs'}>
        <FormStatus error={remove.error} />
        <QueryView query={orgs} what="orgs">
          {(rows) => (
            <DataTable
              noun="orgs"
              rows={rows}
              columns={columns}
              rowKey={(o) => o.name}
              initialSort={{ column: 'name', direction: 'ascending' }}
              empty={
                user!.admin ? 'No orgs yet: create the first one above.' : 'You are not a member of any org.'
              }
              {...(user!.admin
                ? {
                    actions: (o: Org) => (
                      <DeleteButton
                        label={`Delete org ${o.name}`}
                        onConfirm={() => remove.mutateAsync({ params: { org: o.name } })}
                      />
                    ),
                  }
                : {})}
            />
          )}
        </QueryView>
      </Section>
    </Page>
  );
}
