/**
 * Grants: who (a user, a team `org/team`, or an org) holds which role on which collection. Administrators
 * see and manage all grants; others see those that apply to them, read-only.
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { useSession } from '../session/session.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, validate, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Grant = RouteOutput<'listGrants'>['items'][number];
type SubjectKind = Grant['subject']['kind'];

const columns: Column<Grant>[] = [
  { id: 'subject', header: 'Subject', value: (g) => `${g.subject.kind} ${g.subject.id}` },
  { id: 'role', header: 'Role', value: (g) => g.roleId, width: '12rem' },
  {
    id: 'collection',
    header: 'Collection',
    value: (g) => g.collection,
    render: (g) => <code>{g.collection}</code>,
  },
  {
    id: 'createdAt',
    header: 'Created',
    value: (g) => g.createdAt,
    render: (g) => new Date(g.createdAt).toLocaleDateString(),
    width: '8rem',
  },
];
const filter = {
  label: 'Subject kind',
  options: [
    { label: 'All subjects', test: () => true },
    { label: 'Users', test: (g: Grant) => g.subject.kind === 'user' },
    { label: 'Teams', test: (g: Grant) => g.subject.kind === 'team' },
    { label: 'Orgs', test: (g: Grant) => g.subject.kind === 'org' },
  ],
};
const subjectHints: Record<SubjectKind, string> = {
  user: 'a user name',
  team: 'org/team',
  org: 'an org name',
};

function CreateGrant() {
  const create = useApiMutation('createGrant', { invalidates: ['listGrants'] });
  const roles = useApiQuery('listRoles');
  const collections = useApiQuery('listCollections');
  const [form, setForm] = useState({
    kind: 'team' as SubjectKind,
    id: '',
    roleId: 'view-only',
    collection: '/Shared',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createGrantRequest, {
      subject: { kind: form.kind, id: form.id },
      roleId: form.roleId,
      collection: form.collection,
    });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    create.mutate(
      { body: checked.data },
      {
        onSuccess: (g) =>
          setCreated(`Granted ${g.roleId} on ${g.collection} to ${g.subject.kind} ${g.subject.id}.`),
      },
    );
  };
  return (
    <Section title="Create a grant">
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field label="Subject kind">
          {(p) => (
            <select
              {...p}
              value={form.kind}
              onChange={(e) => setForm({ ...form, kind: e.target.value as SubjectKind })}
            >
              <option value="user">User</option>
              <option value="team">Team</option>
              <option value="org">Org</option>
            </select>
          )}
        </Field>
        <Field label="Subject" error={errors['subject']} hint={subjectHints[form.kind]}>
          {(p) => <input {...p} value={form.id} onChange={(e) => setForm({ ...form, id: e.target.value })} />}
        </Field>
        <Field label="Role" error={errors['roleId']}>
          {(p) => (
            <select {...p} value={form.roleId} onChange={(e) => setForm({ ...form, roleId: e.target.value })}>
              {(roles.data?.items ?? [{ id: form.roleId, name: form.roleId }]).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Collection" error={errors['collection']}>
          {(p) => (
            <select
              {...p}
              value={form.collection}
              onChange={(e) => setForm({ ...form, collection: e.target.value })}
            >
              {(collections.data?.items ?? [{ path: form.collection }]).map((c) => (
                <option key={c.path} value={c.path}>
                  {c.path}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create grant
        </button>
      </form>
      <FormStatus error={create.error ?? roles.error ?? collections.error} success={created} />
    </Section>
  );
}

export default function GrantsPage() {
  const admin = useSession().user!.admin;
  const grants = useApiQuery('listGrants');
  const remove = useApiMutation('deleteGrant', { invalidates: ['listGrants'] });
  return (
    <Page title="Grants">
      {admin && <CreateGrant />}
      <Section title={admin ? 'All grants' : 'Grants that apply to you'}>
        <FormStatus error={remove.error} />
        <QueryView query={grants} what="grants">
          {(data) => (
            <DataTable
              noun="grants"
              rows={data.items}
              columns={columns}
              rowKey={(g) => g.id}
              filter={filter}
              initialSort={{ column: 'subject', direction: 'ascending' }}
              empty="No grants."
              {...(admin
                ? {
                    actions: (g: Grant) => (
                      <DeleteButton
                        label={`Delete grant of ${g.roleId} on ${g.collection} to ${g.subject.kind} ${g.subject.id}`}
                        onConfirm={() => remove.mutateAsync({ params: { id: g.id } })}
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
