/**
 * My profile: the account, changing the password, access tokens and client bundles.
 */
import { useSession } from '../session/session.js';
import { Page, Section } from '../ui/page.js';
import { ClientBundles } from './profile-bundles.js';
import { ChangePassword } from './profile-password.js';
import { AccessTokens } from './profile-tokens.js';

export default function ProfilePage() {
  const user = useSession().user!;
  return (
    <Page title="My profile">
      <Section title="Account">
        <dl className="facts">
          <dt>User name</dt>
          <dd>{user.name}</dd>
          <dt>Full name</dt>
          <dd>{user.fullName || '—'}</dd>
          <dt>Role</dt>
          <dd>{user.admin ? 'Administrator' : 'User'}</dd>
          <dt>Default collection</dt>
          <dd>
            <code>{user.defaultCollection}</code>
          </dd>
          <dt>Account source</dt>
          <dd>{user.source === 'ldap' ? 'LDAP' : 'Local'}</dd>
        </dl>
      </Section>
      {user.source === 'local' && <ChangePassword />}
      <AccessTokens />
      <ClientBundles />
    </Page>
  );
}
