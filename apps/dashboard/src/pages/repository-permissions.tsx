/**
 * A repository's Permissions: the org's teams that have access to it (`read-only` pulls, `read-write`
 * pulls and pushes, `admin` also deletes and manages). Those with admin access on the repository give a
 * team access or change it (the same form: setting is idempotent) and remove it. Teams with access to
 * the whole namespace are listed below for context. A user's own namespace has no teams: it belongs to
 * its user.
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { canAdminister } from '../api/repository-rights.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, validate, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { Empty, QueryView } from '../ui/states.js';

type Repository = RouteOutput<'getRepository'>;
type TeamAccess = RouteOutput<'listRepositoryTeams'>['items'][number];

const ACCESS = ['read-only', 'read-write', 'admin'] as const;
const MEANS: Record<(typeof ACCESS)[number], string> = {
  'read-only': 'pull',
  'read-write': 'pull and push',
  admin: 'pull, push, delete and manage',
};

const columns: Column<TeamAccess>[] = [
  { id: 'team', header: 'Team', value: (t) => t.team },
  { id: 'access', header: 'Access', value: (t) => t.access, width: '9rem' },
  {
    id: 'means',
    header: 'May',
    value: (t) => MEANS[t.access],
    searchable: false,
  },
];

function SetTeamAccess({
  repository: r,
  current,
}: {
  repository: Repository;
  current: readonly TeamAccess[];
}) {
  const teams = useApiQuery('listTeams', { params: { org: r.namespace } });
  const set = useApiMutation('putRepositoryTeam', { invalidates: ['listRepositoryTeams'] });
  const [form, setForm] = useState({ team: '', access: 'read-only' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState<string | null>(null);
  const names = (teams.data?.items ?? []).map((t) => t.name).sort();
  const team = form.team || names[0] || '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.putTeamAccessRequest, { access: form.access });
    const errs = checked.ok ? {} : checked.errors;
    if (!team) errs['team'] = `${r.namespace} has no teams yet: create one on the org's page`;
    setErrors(errs);
    if (!checked.ok || !team) return;
    setDone(null);
    const had = current.some((t) => t.team === team);
    set.mutate(
      { params: { namespace: r.namespace, name: r.name, team }, body: checked.data },
      { onSuccess: () => setDone(`${had ? 'Changed' : 'Gave'} team ${team} ${checked.data.access} access.`) },
    );
  };
  return (
    <>
      <form onSubmit={submit} className="inline-form" noValidate aria-label="Set a team's access">
        <Field label="Team" error={errors['team']}>
          {(p) => (
            <select {...p} value={team} onChange={(e) => setForm({ ...form, team: e.target.value })}>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Access" error={errors['access']}>
          {(p) => (
            <select {...p} value={form.access} onChange={(e) => setForm({ ...form, access: e.target.value })}>
              {ACCESS.map((a) => (
                <option key={a} value={a}>
                  {a} ({MEANS[a]})
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={set.isPending}>
          Set access
        </button>
      </form>
      <FormStatus error={set.error ?? teams.error} success={done} />
    </>
  );
}

/** Teams with access to every repository of the org: shown for context (org admins change it). */
function NamespaceWide({ namespace, teams }: { namespace: string; teams: readonly TeamAccess[] }) {
  if (teams.length === 0) return null;
  return (
    <>
      <h3>Access to every repository of {namespace}</h3>
      <DataTable
        noun="teams with namespace-wide access"
        rows={teams}
        columns={columns}
        rowKey={(t) => t.team}
        initialSort={{ column: 'team', direction: 'ascending' }}
        empty=""
      />
    </>
  );
}

export function RepositoryPermissions({ repository: r }: { repository: Repository }) {
  const params = { namespace: r.namespace, name: r.name };
  // The namespace's settings answer only its org's members: others see this repository's teams alone.
  const namespace = useApiQuery('getRepositoryNamespace', { params: { namespace: r.namespace } });
  const teams = useApiQuery('listRepositoryTeams', { params });
  const remove = useApiMutation('deleteRepositoryTeam', { invalidates: ['listRepositoryTeams'] });
  const admin = canAdminister(r);
  if (namespace.data?.kind === 'user') {
    return (
      <Section title="Permissions">
        <Empty>
          {r.namespace} is a user&apos;s namespace: its repositories belong to {r.namespace} (and
          administrators), so there is no team access to give.
        </Empty>
      </Section>
    );
  }
  return (
    <Section title="Permissions">
      <QueryView query={teams} what="team access">
        {(data) => (
          <>
            {admin && <SetTeamAccess repository={r} current={data.items} />}
            <FormStatus error={remove.error} />
            <h3>Teams with access to {r.path}</h3>
            <DataTable
              noun="teams with access"
              rows={data.items}
              columns={columns}
              rowKey={(t) => t.team}
              initialSort={{ column: 'team', direction: 'ascending' }}
              empty={`No team of ${r.namespace} has access of its own to this repository.`}
              {...(admin
                ? {
                    actions: (t: TeamAccess) => (
                      <DeleteButton
                        verb="Remove"
                        label={`Remove access of team ${t.team}`}
                        onConfirm={() => remove.mutateAsync({ params: { ...params, team: t.team } })}
                      />
                    ),
                  }
                : {})}
            />
          </>
        )}
      </QueryView>
      <NamespaceWide namespace={r.namespace} teams={namespace.data?.teams ?? []} />
    </Section>
  );
}
