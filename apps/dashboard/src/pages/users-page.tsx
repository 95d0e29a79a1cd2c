/**
 * Users (administrators): every account, searchable and sortable; create a user, turn an account off or
 * on, delete one. Others who open this page get the API's refusal, explained.
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiList, useApiMutation } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { useSession } from '../session/session.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, TextField, validate, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type User = RouteOutput<'me'>;

const columns: Column<User>[] = [
  { id: 'name', header: 'User name', value: (u) => u.name },
  { id: 'fullName', header: 'Full name', value: (u) => u.fullName },
  { id: 'role', header: 'Role', value: (u) => (u.admin ? 'administrator' : 'user'), width: '9rem' },
  { id: 'active', header: 'Status', value: (u) => (u.active ? 'active' : 'inactive'), width: '7rem' },
  {
    id: 'createdAt',
    header: 'Created',
    value: (u) => u.createdAt,
    render: (u) => new Date(u.createdAt).toLocaleDateString(),
    width: '8rem',
  },
];
const filter = {
  label: 'Show',
  options: [
    { label: 'All users', test: () => true },
    { label: 'Administrators', test: (u: User) => u.admin },
    { label: 'Inactive users', test: (u: User) => !u.active },
  ],
};

function CreateUser() {
  const create = useApiMutation('createUser', { invalidates: ['listUsers'] });
  const [form, setForm] = useState({ name: '', fullName: '', password: '', admin: false });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createUserRequest, { ...form, fullName: form.fullName || undefined });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    setCreated(null);
    create.mutate(
      { body: checked.data },
      {
        onSuccess: (user) => {
          setCreated(`Created user ${user.name}.`);
          setForm({ name: '', fullName: '', password: '', admin: false });
        },
      },
    );
  };
  return (
    <Section title="Create a user">
      <form onSubmit={submit} className="inline-form" noValidate>
        <TextField
          label="User name"
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
        <Field label="Password" error={errors['password']} hint="At least 8 characters">
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
          )}
        </Field>
        <div className="field checkbox">
          <input
            id="new-user-admin"
            type="checkbox"
            checked={form.admin}
            onChange={(e) => setForm({ ...form, admin: e.target.checked })}
          />
          <label htmlFor="new-user-admin">Administrator</label>
        </div>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create user
        </button>
      </form>
      <FormStatus error={create.error} success={created} />
    </Section>
  );
}

export default function UsersPage() {
  const { user: me } = useSession();
  const users = useApiList('listUsers');
  const remove = useApiMutation('deleteUser', { invalidates: ['listUsers'] });
  const update = useApiMutation('updateUser', { invalidates: ['listUsers'] });
  return (
    <Page title="Users">
      {me!.admin && <CreateUser />}
      <Section title="All users">
        <FormStatus error={remove.error ?? update.error} />
        <QueryView query={users} what="users">
          {(rows) => (
            <DataTable
              noun="users"
              rows={rows}
              columns={columns}
              rowKey={(u) => u.name}
              filter={filter}
              initialSort={{ column: 'name', direction: 'ascending' }}
              empty="No users yet."
              actions={(u) =>
                u.name === me!.name ? (
                  <span className="muted">you</span>
                ) : (
                  <>
                    <button
                      type="button"
                      onClick={() => update.mutate({ params: { name: u.name }, body: { active: !u.active } })}
                      aria-label={`${u.active ? 'Deactivate' : 'Activate'} ${u.name}`}
                    >
                      {u.active ? 'Deactivate' : 'Activate'}
                    </button>
                    <DeleteButton
                      label={`Delete user ${u.name}`}
                      onConfirm={() => remove.mutateAsync({ params: { name: u.name } })}
                    />
                  </>
                )
              }
            />
          )}
        </QueryView>
      </Section>
    </Page>
  );
}
