/**
 * Roles: the built-in ones and custom ones, with their operations. Administrators create a custom role by
 * picking operations per resource type, and delete custom roles no grant uses.
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { RESOURCE_ACTIONS } from '@stevedore/authz';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { useSession } from '../session/session.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, validate, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Role = RouteOutput<'getRole'>;

const columns: Column<Role>[] = [
  { id: 'name', header: 'Role', value: (r) => r.name, width: '12rem' },
  { id: 'id', header: 'Id', value: (r) => r.id, width: '11rem' },
  { id: 'kind', header: 'Kind', value: (r) => (r.builtin ? 'built-in' : 'custom'), width: '6rem' },
  { id: 'operations', header: 'Operations', value: (r) => r.operations.length, width: '7rem' },
  { id: 'description', header: 'Description', value: (r) => r.description },
];
const filter = {
  label: 'Kind',
  options: [
    { label: 'All roles', test: () => true },
    { label: 'Built-in', test: (r: Role) => r.builtin },
    { label: 'Custom', test: (r: Role) => !r.builtin },
  ],
};

function CreateRole() {
  const create = useApiMutation('createRole', { invalidates: ['listRoles'] });
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [operations, setOperations] = useState<ReadonlySet<string>>(new Set());
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const toggle = (op: string, on: boolean) => {
    const next = new Set(operations);
    if (on) next.add(op);
    else next.delete(op);
    setOperations(next);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createRoleRequest, {
      name,
      description: description || undefined,
      operations: [...operations],
    });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    create.mutate(
      { body: checked.data },
      {
        onSuccess: (role) => {
          setCreated(`Created role ${role.name} (${role.id}).`);
          setName('');
          setDescription('');
          setOperations(new Set());
        },
      },
    );
  };
  return (
    <Section title="Create a custom role">
      <form onSubmit={submit} noValidate>
        <div className="inline-form">
          <Field label="Role name" error={errors['name']}>
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Description" error={errors['description']}>
            {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
        </div>
        <fieldset className="operations" aria-describedby={errors['operations'] ? 'ops-error' : undefined}>
          <legend>Operations</legend>
          {Object.entries(RESOURCE_ACTIONS).map(([type, actions]) => (
            <fieldset key={type}>
              <legend>{type}</legend>
              {actions.map((action) => {
                const op = `${type}.${action}`;
                return (
                  <label key={op} className="checkbox">
                    <input
                      type="checkbox"
                      checked={operations.has(op)}
                      onChange={(e) => toggle(op, e.target.checked)}
                    />
                    {action}
                  </label>
                );
              })}
            </fieldset>
          ))}
          {errors['operations'] && (
            <span id="ops-error" className="field-error">
              Pick at least one operation.
            </span>
          )}
        </fieldset>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create role
        </button>
      </form>
      <FormStatus error={create.error} success={created} />
    </Section>
  );
}

export default function RolesPage() {
  const admin = useSession().user!.admin;
  const roles = useApiQuery('listRoles');
  const remove = useApiMutation('deleteRole', { invalidates: ['listRoles'] });
  return (
    <Page title="Roles">
      <Section title="Roles">
        <FormStatus error={remove.error} />
        <QueryView query={roles} what="roles">
          {(data) => (
            <DataTable
              noun="roles"
              rows={data.items}
              columns={columns}
              rowKey={(r) => r.id}
              filter={filter}
              empty="No roles."
              {...(admin
                ? {
                    actions: (r: Role) =>
                      r.builtin ? null : (
                        <DeleteButton
                          label={`Delete role ${r.name}`}
                          onConfirm={() => remove.mutateAsync({ params: { id: r.id } })}
                        />
                      ),
                  }
                : {})}
            />
          )}
        </QueryView>
      </Section>
      {admin && <CreateRole />}
    </Page>
  );
}
