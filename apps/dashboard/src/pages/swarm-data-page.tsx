/**
 * Secrets and configs, one page shape for both: the visible list, a create form (name, the data as text,
 * a collection where the user may create it), inspect and remove. The text is sent base64-encoded in the
 * Engine API's `Data`; the engine never gives a secret's data back, while a config's is shown decoded.
 */
import { useState, type FormEvent } from 'react';
import { useDockerMutation } from '../api/docker-hooks.js';
import { COLLECTION_LABEL, type Config, type Secret } from '../api/docker-types.js';
import { usePermissions, type Permissions } from '../api/permissions.js';
import { base64 } from '../stacks/compose.js';
import { formatTime, shortId } from '../ui/docker-format.js';
import { CollectionField, useCollectionsFor } from '../ui/collection-field.js';
import { collectionColumn, ResourceSection, type ResourceSpec } from '../ui/docker-resource.js';
import { Field, FormStatus, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';

type Kind = 'secrets' | 'configs';
const NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,62})$/;

/** base64 back to text, for a config's data. */
function decode(data: string | undefined): string {
  if (!data) return '';
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  } catch {
    return '(not text)';
  }
}

function specOf(kind: Kind): ResourceSpec<Kind> {
  const noun = kind === 'secrets' ? 'secret' : 'config';
  const labelsOf = (s: Secret | Config) => s.Spec.Labels;
  return {
    kind,
    type: noun,
    noun,
    idOf: (s) => s.ID,
    nameOf: (s) => s.Spec.Name,
    labelsOf,
    columns: [
      { id: 'name', header: 'Name', value: (s) => s.Spec.Name },
      { id: 'created', header: 'Created', value: (s) => s.CreatedAt, render: (s) => formatTime(s.CreatedAt) },
      collectionColumn(labelsOf),
    ],
    facts: (s) => [
      ['Name', s.Spec.Name],
      ['Id', <code key="id">{shortId(s.ID)}</code>],
      ['Collection', s.Spec.Labels?.[COLLECTION_LABEL] ?? '/System'],
      ['Created', formatTime(s.CreatedAt)],
      ['Updated', formatTime(s.UpdatedAt)],
      kind === 'configs'
        ? ['Data', <code key="data">{decode(s.Spec.Data)}</code>]
        : ['Data', 'Not shown: the engine never gives a secret back.'],
    ],
  };
}

function CreateForm({ kind, permissions }: { kind: Kind; permissions: Permissions }) {
  const noun = kind === 'secrets' ? 'secret' : 'config';
  const options = useCollectionsFor(permissions, `${noun}.create`);
  const [name, setName] = useState('');
  const [data, setData] = useState('');
  const [collection, setCollection] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const create = useDockerMutation(
    (docker, body: object) => docker.post<{ ID: string }>(`/${kind}/create`, body),
    { invalidates: [kind] },
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const problems: FieldErrors = {};
    if (!NAME.test(name))
      problems['name'] = 'Up to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.';
    if (data === '') problems['data'] = `Give the ${noun}'s content.`;
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const where = collection || options[0]!;
    create.mutate(
      { Name: name, Data: base64(data), Labels: { [COLLECTION_LABEL]: where } },
      {
        onSuccess: () => {
          setCreated(`Created ${noun} ${name} in ${where}.`);
          setName('');
          setData('');
        },
      },
    );
  };
  return (
    <Section title={`Create a ${noun}`}>
      <form onSubmit={submit} noValidate>
        <div className="inline-form">
          <Field label={`${noun === 'secret' ? 'Secret' : 'Config'} name`} error={errors['name']}>
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <CollectionField options={options} value={collection || options[0]!} onChange={setCollection} />
        </div>
        <Field
          label="Data"
          error={errors['data']}
          hint={
            kind === 'secrets'
              ? 'Text, up to 500 KB. It cannot be read back once created.'
              : 'Text, up to 500 KB; services see it as a file.'
          }
        >
          {(p) => (
            <textarea {...p} rows={5} cols={60} value={data} onChange={(e) => setData(e.target.value)} />
          )}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create {noun}
        </button>
      </form>
      <FormStatus error={create.error} success={created} />
    </Section>
  );
}

export function SwarmDataPage({ kind }: { kind: Kind }) {
  const permissions = usePermissions();
  const noun = kind === 'secrets' ? 'secret' : 'config';
  return (
    <Page title={kind === 'secrets' ? 'Secrets' : 'Configs'}>
      {permissions.ready && permissions.can(`${noun}.create`) && (
        <CreateForm kind={kind} permissions={permissions} />
      )}
      <ResourceSection spec={specOf(kind)} permissions={permissions} />
    </Page>
  );
}
