/**
 * One team: its description and members; administrators add and remove members (adding a user to a team
 * also makes them a member of its org).
 */
import { Link, useParams } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import { useSession } from '../session/session.js';
import { Page } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { MembersSection } from './members-section.js';

export default function TeamPage() {
  const params = useParams();
  const org = params['org'] ?? '';
  const team = params['team'] ?? '';
  const admin = useSession().user!.admin;
  const teamQuery = useApiQuery('getTeam', { params: { org, team } });
  const members = useApiQuery('listTeamMembers', { params: { org, team } }, { enabled: teamQuery.isSuccess });
  const invalidates = ['listTeamMembers', 'listOrgMembers'] as const;
  const add = useApiMutation('addTeamMember', { invalidates });
  const remove = useApiMutation('removeTeamMember', { invalidates });
  return (
    <Page title={`Team ${org}/${team}`}>
      <p>
        <Link to={`/orgs/${encodeURIComponent(org)}`}>Org {org}</Link>
      </p>
      <QueryView query={teamQuery} what={`team ${team}`}>
        {(t) => (
          <>
            {t.description && <p>{t.description}</p>}
            <MembersSection
              of={`${org}/${team}`}
              members={members}
              canEdit={admin}
              add={{
                ...add,
                mutateAsync: (user: string) => add.mutateAsync({ params: { org, team, user } }),
              }}
              remove={{
                ...remove,
                mutateAsync: (user: string) => remove.mutateAsync({ params: { org, team, user } }),
              }}
            />
          </>
        )}
      </QueryView>
    </Page>
  );
}
