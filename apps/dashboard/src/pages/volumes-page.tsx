/**
 * Volumes: the volumes the user may see, created by name (local driver) in a collection where the user
 * may create volumes, inspected and removed per row. A name taken by a volume the user cannot see is
 * refused as taken (409), as the proxy answers it.
 */
import { useState, type FormEvent } from 'react';
import { useDockerMutation } from '../api/docker-hooks.js';
import { COLLECTION_LABEL, type Volume } from '../api/docker-types.js';
import { usePermissions, type Permissions } from '../api/permissions.js';
import { formatTime } from '../ui/docker-format.js';
import { CollectionField, useCollectionsFor } from '../ui/collection-field.js';
import { collectionColumn, ResourceSection, type ResourceSpec } from '../ui/docker-resource.js';
import { Field, FormStatus, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const spec: ResourceSpec<'volumes'> = {
  kind: 'volumes',
  type: 'volume',
  noun: 'volume',
  idOf: (v) => v.Name,
  nameOf: (v) => v.Name,
  labelsOf: (v) => v.Labels,
  columns: [
    { id: 'name', header: 'Name', value: (v) => v.Name },
    { id: 'driver', header: 'Driver', value: (v) => v.Driver, width: '7rem' },
    collectionColumn((v: Volume) => v.Labels),
  ],
  facts: (v) => [
    ['Name', v.Name],
    ['Driver', v.Driver ?? '—'],
    ['Scope', v.Scope ?? '—'],
    ['Mount point', <code key="mp">{v.Mountpoint ?? '—'}</code>],
    ['Collection', v.Labels?.[COLLECTION_LABEL] ?? '/System'],
    ['Created', formatTime(v.CreatedAt)],
  ],
};

function CreateVolume({ permissions }: { permissions: Permissions }) {
  const options = useCollectionsFor(permissions, 'volume.create');
  const [name, setName] = useState('');
  const [collection, setCollection] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const create = useDockerMutation((docker, body: object) => docker.post('/volumes/create', body), {
    invalidates: ['volumes'],
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const problems: FieldErrors = NAME.test(name)
      ? {}
      : { name: 'At least 2 characters: letters, digits, ".", "_" or "-", starting with a letter or digit.' };
    setErrors(problems);
    if (problems['name']) return;
    const where = collection || options[0]!;
    create.mutate(
      { Name: name, Driver: 'local', Labels: { [COLLECTION_LABEL]: where } },
      {
        onSuccess: () => {
          setCreated(`Created volume ${name} in ${where}.`);
          setName('');
        },
      },
    );
  };
  return (
    <Section title="Create a volume">
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field label="Volume name" error={errors['name']}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <CollectionField options={options} value={collection || options[0]!} onChange={setCollection} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create volume
        </button>
      </form>
      <FormStatus error={create.error} success={created} />
    </Section>
  );
}

export default function VolumesPage() {
  const permissions = usePermissions();
  return (
    <Page title="Volumes">
      {permissions.ready && permissions.can('volume.create') && <CreateVolume permissions={permissions} />}
      <ResourceSection spec={spec} permissions={permissions} />
    </Page>
  );
}
