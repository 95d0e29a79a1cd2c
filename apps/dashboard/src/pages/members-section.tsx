/**
 * The members of an org or a team: a searchable list, and for administrators a form to add a user (names
 * suggested from the user list) and a button to remove each member. An org's list also says who is an
 * org admin (they manage the org's repositories and service accounts); administrators add a member as
 * one and change it in place (adding again sets the flag).
 */
import { useId, useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiList } from '../api/hooks.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, validate } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

interface Member {
  readonly user: string;
  readonly admin?: boolean;
}
const columns: Column<Member>[] = [{ id: 'user', header: 'User name', value: (m) => m.user }];
const orgColumns: Column<Member>[] = [
  ...columns,
  { id: 'admin', header: 'Org admin', value: (m) => (m.admin ? 'yes' : 'no'), width: '8rem' },
];

interface Props {
  /** "acme" or "acme/devs": used in labels. */
  readonly of: string;
  readonly members: {
    data: { items: Member[] } | undefined;
    error: unknown;
    isPending: boolean;
    refetch(): unknown;
  };
  readonly canEdit: boolean;
  /** An org's members: show and set the org admin flag. */
  readonly orgAdmins?: boolean;
  readonly add?: {
    mutateAsync(user: string, admin: boolean): Promise<unknown>;
    isPending: boolean;
    error: unknown;
  };
  readonly remove?: { mutateAsync(user: string): Promise<unknown>; error: unknown };
}

function AddMember({
  of,
  add,
  orgAdmins,
}: {
  of: string;
  add: NonNullable<Props['add']>;
  orgAdmins: boolean;
}) {
  const users = useApiList('listUsers');
  const listId = useId();
  const [name, setName] = useState('');
  const [asAdmin, setAsAdmin] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [added, setAdded] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.accountName, name);
    setError(checked.ok ? undefined : checked.errors['form']);
    if (!checked.ok) return;
    setAdded(null);
    add
      .mutateAsync(name, asAdmin)
      .then(() => {
        setAdded(`Added ${name} to ${of}${asAdmin ? ' as an org admin' : ''}.`);
        setName('');
        setAsAdmin(false);
      })
      .catch(() => undefined);
  };
  return (
    <>
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field label="User to add" error={error}>
          {(p) => (
            <input
              {...p}
              list={listId}
              autoComplete="off"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <datalist id={listId}>
          {(users.data ?? []).map((u) => (
            <option key={u.name} value={u.name} />
          ))}
        </datalist>
        {orgAdmins && (
          <label className="checkbox">
            <input type="checkbox" checked={asAdmin} onChange={(e) => setAsAdmin(e.target.checked)} />
            As org admin
          </label>
        )}
        <button type="submit" className="primary" disabled={add.isPending}>
          Add member
        </button>
      </form>
      <FormStatus error={add.error} success={added} />
    </>
  );
}

export function MembersSection({ of, members, canEdit, orgAdmins = false, add, remove }: Props) {
  return (
    <Section title={`Members of ${of}`}>
      {canEdit && add && <AddMember of={of} add={add} orgAdmins={orgAdmins} />}
      {remove && <FormStatus error={remove.error} />}
      <QueryView query={members} what="members">
        {(data) => (
          <DataTable
            noun="members"
            rows={data.items}
            columns={orgAdmins ? orgColumns : columns}
            rowKey={(m) => m.user}
            initialSort={{ column: 'user', direction: 'ascending' }}
            empty={`${of} has no members yet.`}
            {...(canEdit && remove
              ? {
                  actions: (m: Member) => (
                    <>
                      {orgAdmins && add && (
                        <button
                          type="button"
                          aria-label={`${m.admin ? 'Make member' : 'Make admin'}: ${m.user}`}
                          title={m.admin ? 'Make a plain member of the org' : 'Make an org admin'}
                          disabled={add.isPending}
                          onClick={() => void add.mutateAsync(m.user, !m.admin).catch(() => undefined)}
                        >
                          {m.admin ? 'Make member' : 'Make admin'}
                        </button>
                      )}
                      <DeleteButton
                        verb="Remove"
                        label={`Remove ${m.user} from ${of}`}
                        onConfirm={() => remove.mutateAsync(m.user)}
                      />
                    </>
                  ),
                }
              : {})}
          />
        )}
      </QueryView>
    </Section>
  );
}
