/**
 * Admin settings, Registry: whether anonymous clients may pull public repositories (off by default).
 * Applies to the next token any controller issues.
 */
import { useState, type FormEvent } from 'react';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import { FormStatus } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

function AnonymousPullForm({ current }: { current: boolean }) {
  const update = useApiMutation('updateRegistrySettings', { invalidates: ['getRegistrySettings'] });
  const [allowed, setAllowed] = useState(current);
  const [saved, setSaved] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    const next = await update.mutateAsync({ body: { anonymousPull: allowed } });
    setSaved(
      next.anonymousPull ? 'Anonymous pulls of public repositories are on.' : 'Anonymous pulls are off.',
    );
  };
  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)}>
      <label className="checkbox">
        <input type="checkbox" checked={allowed} onChange={(e) => setAllowed(e.target.checked)} />
        Anyone who can reach the registry may pull public repositories without logging in
      </label>
      <button type="submit" disabled={update.isPending}>
        {update.isPending ? 'Saving…' : 'Save registry settings'}
      </button>
      <FormStatus error={update.error} success={saved} />
    </form>
  );
}

export function RegistrySettingsSection() {
  const settings = useApiQuery('getRegistrySettings');
  return (
    <Section title="Registry">
      <p className="muted">
        Public repositories can always be pulled by every signed-in user; private ones only as their
        permissions say.
      </p>
      <QueryView query={settings} what="the registry settings">
        {(data) => <AnonymousPullForm current={data.anonymousPull} />}
      </QueryView>
    </Section>
  );
}
