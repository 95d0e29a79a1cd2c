/**
 * An org's registry settings (its namespace): whether members with read-write on the whole org may
 * create repositories by pushing, and team access on every repository of the org. Org members read
 * them; those the server says may manage them (`canManage`: administrators and org admins) change them.
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, validate, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Namespace = RouteOutput<'getRepositoryNamespace'>;
type TeamAccess = Namespace['teams'][number];

const columns: Column<TeamAccess>[] = [
  { id: 'team', header: 'Team', value: (t) => t.team },
  { id: 'access', header: 'Access to every repository', value: (t) => t.access },
];

function SetWideAccess({ org, teams }: { org: string; teams: readonly string[] }) {
  const update = useApiMutation('updateRepositoryNamespace', { invalidates: ['getRepositoryNamespace'] });
  const [form, setForm] = useState({ team: '', access: 'read-only' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const team = form.team || teams[0] || '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.updateRepositoryNamespaceRequest, { teams: { [team]: form.access } });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok || !team) return;
    update.mutate({ params: { namespace: org }, body: checked.data });
  };
  return (
    <>
      <form
        onSubmit={submit}
        className="inline-form"
        noValidate
        aria-label={`Set a team's access to all of ${org}`}
      >
        <Field label="Team of the org" error={errors['teams']}>
          {(p) => (
            <select {...p} value={team} onChange={(e) => setForm({ ...form, team: e.target.value })}>
              {teams.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Access to every repository">
          {(p) => (
            <select {...p} value={form.access} onChange={(e) => setForm({ ...form, access: e.target.value })}>
              <option value="read-only">read-only</option>
              <option value="read-write">read-write</option>
              <option value="admin">admin</option>
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={update.isPending || !team}>
          Set org-wide access
        </button>
      </form>
      <FormStatus error={update.error} />
    </>
  );
}

export function NamespaceSettingsSection({ org, teams }: { org: string; teams: readonly string[] }) {
  const namespace = useApiQuery('getRepositoryNamespace', { params: { namespace: org } });
  const update = useApiMutation('updateRepositoryNamespace', { invalidates: ['getRepositoryNamespace'] });
  return (
    <Section title={`Registry settings of ${org}`}>
      <QueryView query={namespace} what="registry settings">
        {(ns) => (
          <>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={ns.createOnPush}
                disabled={!ns.canManage || update.isPending}
                onChange={(e) =>
                  update.mutate({ params: { namespace: org }, body: { createOnPush: e.target.checked } })
                }
              />
              Members with read-write on all of {org} create repositories by pushing
            </label>
            <FormStatus error={update.error} />
            {ns.canManage && <SetWideAccess org={org} teams={teams} />}
            <DataTable
              noun="teams with org-wide access"
              rows={ns.teams}
              columns={columns}
              rowKey={(t) => t.team}
              initialSort={{ column: 'team', direction: 'ascending' }}
              empty={`No team has access to every repository of ${org}; give access per repository on its Permissions tab.`}
              {...(ns.canManage
                ? {
                    actions: (t: TeamAccess) => (
                      <DeleteButton
                        verb="Remove"
                        label={`Remove org-wide access of team ${t.team}`}
                        onConfirm={() =>
                          update.mutateAsync({
                            params: { namespace: org },
                            body: { teams: { [t.team]: null } },
                          })
                        }
                      />
                    ),
                  }
                : {})}
            />
          </>
        )}
      </QueryView>
    </Section>
  );
}
