/**
 * The create-a-service form: name, image, command, replicas, collection and an optional published port.
 * The collection defaults to the user's default collection (the proxy puts the service there when the
 * field is empty); the proxy decides, and a refusal is shown with its reason.
 */
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { ServiceSpec } from '../api/docker.js';
import { useDockerMutation } from '../api/docker-hooks.js';
import { usePermissions } from '../api/permissions.js';
import { useSession } from '../session/session.js';
import { Field, FormStatus, type FieldErrors } from '../ui/form.js';
import { emptyServiceForm, serviceSpecOf, type ServiceForm } from './service-spec.js';
import { Section } from '../ui/page.js';

export function CreateService({ onClose }: { onClose: () => void }) {
  const user = useSession().user!;
  const collections = usePermissions().collectionsWith('service.create');
  const navigate = useNavigate();
  const [form, setForm] = useState<ServiceForm>(emptyServiceForm);
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = useDockerMutation(
    (docker, spec: ServiceSpec) => docker.post<{ ID: string }>('/services/create', spec),
    {
      invalidates: ['services', 'tasks'],
    },
  );
  const field = (key: keyof ServiceForm, label: string, hint?: string, type = 'text') => (
    <Field label={label} error={errors[key]} {...(hint ? { hint } : {})}>
      {(p) => (
        <input
          {...p}
          type={type}
          value={form[key]}
          list={key === 'collection' ? 'service-collections' : undefined}
          placeholder={key === 'collection' ? user.defaultCollection : undefined}
          onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        />
      )}
    </Field>
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = serviceSpecOf(form);
    setErrors('errors' in checked ? checked.errors : {});
    if ('spec' in checked)
      create.mutate(checked.spec, {
        onSuccess: (r) => void navigate(`/services/${encodeURIComponent(r.ID)}`),
      });
  };
  return (
    <Section title="Create a service">
      <form onSubmit={submit} noValidate>
        <div className="inline-form">
          {field('name', 'Service name')}
          {field('image', 'Image', 'e.g. nginx:1.27')}
          {field('replicas', 'Replicas', undefined, 'number')}
        </div>
        {field('command', 'Command', "Optional; quoted like a shell: sh -c 'echo hi'")}
        <div className="inline-form">
          {field('collection', 'Collection', `Empty: your default collection, ${user.defaultCollection}`)}
          {field('published', 'Published port', 'Optional', 'number')}
          {field('target', 'Container port', 'Needed with a published port', 'number')}
        </div>
        <datalist id="service-collections">
          {collections.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <div className="button-row">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
      <FormStatus error={create.error} />
    </Section>
  );
}
