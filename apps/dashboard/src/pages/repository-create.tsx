/**
 * The Create repository form: a namespace (the user's own, or an org they administer; any org for
 * administrators), a name that may hold "/", the visibility and a description, checked with the
 * contract's request schema before the call. A created repository opens on its own page.
 */
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation } from '../api/hooks.js';
import { useCreatableNamespaces } from '../api/repository-rights.js';
import { Field, FormStatus, TextField, validate, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { RepositoryFields } from './repository-fields.js';
import { repositoryUrl } from '../ui/registry-format.js';

const EMPTY = { namespace: '', name: '', visibility: 'private', description: '' };

export function CreateRepository() {
  const namespaces = useCreatableNamespaces();
  const navigate = useNavigate();
  const create = useApiMutation('createRepository', { invalidates: ['listRepositories'] });
  const [form, setForm] = useState(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const namespace = form.namespace || namespaces[0] || '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createRepositoryRequest, {
      namespace,
      name: form.name,
      visibility: form.visibility,
      description: form.description || undefined,
    });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    create.mutate(
      { body: checked.data },
      { onSuccess: (r) => void navigate(repositoryUrl(r.namespace, r.name)) },
    );
  };
  return (
    <Section title="Create a repository">
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field label="Namespace" error={errors['namespace']}>
          {(p) => (
            <select
              {...p}
              value={namespace}
              onChange={(e) => setForm({ ...form, namespace: e.target.value })}
            >
              {namespaces.map((ns) => (
                <option key={ns} value={ns}>
                  {ns}
                </option>
              ))}
            </select>
          )}
        </Field>
        <TextField
          label="Repository name"
          hint="e.g. app or app/web"
          error={errors['name']}
          value={form.name}
          onChange={(name) => setForm({ ...form, name })}
        />
        <RepositoryFields form={form} errors={errors} onChange={setForm} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create repository
        </button>
      </form>
      <FormStatus error={create.error} />
    </Section>
  );
}
