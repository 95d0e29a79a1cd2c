/**
 * A repository's Settings (admin access only): its visibility and description, and deleting it with its
 * tags and manifests, confirmed in place.
 */
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { DeleteButton, FormStatus, validate, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { RepositoryFields } from './repository-fields.js';

type Repository = RouteOutput<'getRepository'>;

export function RepositorySettings({ repository: r }: { repository: Repository }) {
  const params = { namespace: r.namespace, name: r.name };
  const path = `${r.namespace}/${r.name}`;
  const navigate = useNavigate();
  const update = useApiMutation('updateRepository', { invalidates: ['getRepository', 'listRepositories'] });
  const remove = useApiMutation('deleteRepository', { invalidates: ['listRepositories'] });
  const [form, setForm] = useState<{ visibility: string; description: string }>({
    visibility: r.visibility,
    description: r.description,
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.updateRepositoryRequest, form);
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    setSaved(null);
    update.mutate(
      { params, body: checked.data },
      { onSuccess: () => setSaved(`Saved the settings of ${path}.`) },
    );
  };
  return (
    <>
      <Section title="Settings">
        <form onSubmit={submit} className="settings-form" noValidate>
          <RepositoryFields form={form} errors={errors} onChange={setForm} />
          <button type="submit" className="primary" disabled={update.isPending}>
            Save settings
          </button>
        </form>
        <FormStatus error={update.error} success={saved} />
      </Section>
      <Section title="Delete this repository">
        <p>Deleting {path} removes its tags and manifests; images already pulled stay where they are.</p>
        <DeleteButton
          label={`Delete repository ${path}`}
          onConfirm={() =>
            remove.mutateAsync({ params }).then(() => navigate('/repositories', { replace: true }))
          }
        />
        <FormStatus error={remove.error} />
      </Section>
    </>
  );
}
