/**
 * One org: its teams (administrators create and delete them), its members (administrators add and
 * remove them), its service accounts and its registry settings (administrators and org admins manage
 * them). An org you cannot see answers 404, shown as such.
 */
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { useSession } from '../session/session.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, validate, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { MembersSection } from './members-section.js';
import { NamespaceSettingsSection } from './namespace-settings-section.js';
import { ServiceAccountsSection } from './service-accounts-section.js';

type Team = RouteOutput<'getTeam'>;

function teamColumns(org: string): Column<Team>[] {
  return [
    {
      id: 'name',
      header: 'Team',
      value: (t) => t.name,
      render: (t) => (
        <Link to={`/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(t.name)}`}>{t.name}</Link>
      ),
    },
    { id: 'description', header: 'Description', value: (t) => t.description },
  ];
}

function CreateTeam({ org }: { org: string }) {
  const create = useApiMutation('createTeam', { invalidates: ['listTeams'] });
  const [form, setForm] = useState({ name: '', description: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createTeamRequest, {
      name: form.name,
      description: form.description || undefined,
    });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    setCreated(null);
    create.mutate(
      { params: { org }, body: checked.data },
      {
        onSuccess: (team) => {
          setCreated(`Created team ${team.name}.`);
          setForm({ name: '', description: '' });
        },
      },
    );
  };
  return (
    <form onSubmit={submit} className="inline-form" noValidate aria-label={`Create a team in ${org}`}>
      <Field label="Team name" error={errors['name']}>
        {(p) => (
          <input {...p} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        )}
      </Field>
      <Field label="Description" error={errors['description']}>
        {(p) => (
          <input
            {...p}
            value={form.description}
            onChange={(e) => setForm({ ...form, description: e.target.value })}
          />
        )}
      </Field>
      <button type="submit" className="primary" disabled={create.isPending}>
        Create team
      </button>
      <FormStatus error={create.error} success={created} />
    </form>
  );
}

export default function OrgPage() {
  const org = useParams()['org'] ?? '';
  const me = useSession().user!;
  const admin = me.admin;
  const orgQuery = useApiQuery('getOrg', { params: { org } });
  const teams = useApiQuery('listTeams', { params: { org } }, { enabled: orgQuery.isSuccess });
  const members = useApiQuery('listOrgMembers', { params: { org } }, { enabled: orgQuery.isSuccess });
  const removeTeam = useApiMutation('deleteTeam', { invalidates: ['listTeams'] });
  const add = useApiMutation('addOrgMember', { invalidates: ['listOrgMembers'] });
  const remove = useApiMutation('removeOrgMember', { invalidates: ['listOrgMembers', 'listTeamMembers'] });
  // Org admins manage the org's service accounts too (the server decides; this only shows the buttons).
  const orgAdmin = admin || (members.data?.items.some((m) => m.user === me.name && m.admin) ?? false);
  return (
    <Page title={`Org ${org}`}>
      <p>
        <Link to="/orgs">All orgs</Link>
      </p>
      <QueryView query={orgQuery} what={`org ${org}`}>
        {(o) => (
          <>
            {o.fullName && <p>{o.fullName}</p>}
            <Section title={`Teams of ${org}`}>
              {admin && <CreateTeam org={org} />}
              <FormStatus error={removeTeam.error} />
              <QueryView query={teams} what="teams">
                {(data) => (
                  <DataTable
                    noun="teams"
                    rows={data.items}
                    columns={teamColumns(org)}
                    rowKey={(t) => t.name}
                    initialSort={{ column: 'name', direction: 'ascending' }}
                    empty={`${org} has no teams yet.`}
                    {...(admin
                      ? {
                          actions: (t: Team) => (
                            <DeleteButton
                              label={`Delete team ${t.name}`}
                              onConfirm={() => removeTeam.mutateAsync({ params: { org, team: t.name } })}
                            />
                          ),
                        }
                      : {})}
                  />
                )}
              </QueryView>
            </Section>
            <MembersSection
              of={org}
              members={members}
              canEdit={admin}
              orgAdmins
              add={{
                ...add,
                mutateAsync: (user: string, asAdmin: boolean) =>
                  add.mutateAsync({ params: { org, user }, body: { admin: asAdmin } }),
              }}
              remove={{
                ...remove,
                mutateAsync: (user: string) => remove.mutateAsync({ params: { org, user } }),
              }}
            />
            <ServiceAccountsSection org={org} canManage={orgAdmin} />
            <NamespaceSettingsSection org={org} teams={(teams.data?.items ?? []).map((t) => t.name).sort()} />
          </>
        )}
      </QueryView>
    </Page>
  );
}
