/**
 * Networks: the networks the user may see (the proxy filters the list), created with a driver (overlay
 * for services across the swarm, bridge for one engine), optionally attachable by plain containers, in a
 * collection where the user may create networks; inspected and removed per row.
 */
import { useState, type FormEvent } from 'react';
import { useDockerMutation } from '../api/docker-hooks.js';
import { COLLECTION_LABEL, type Network } from '../api/docker-types.js';
import { usePermissions, type Permissions } from '../api/permissions.js';
import { formatTime, shortId } from '../ui/docker-format.js';
import { CollectionField, useCollectionsFor } from '../ui/collection-field.js';
import { collectionColumn, ResourceSection, type ResourceSpec } from '../ui/docker-resource.js';
import { Field, FormStatus, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const spec: ResourceSpec<'networks'> = {
  kind: 'networks',
  type: 'network',
  noun: 'network',
  idOf: (n) => n.Id,
  nameOf: (n) => n.Name,
  labelsOf: (n) => n.Labels,
  columns: [
    { id: 'name', header: 'Name', value: (n) => n.Name },
    { id: 'driver', header: 'Driver', value: (n) => n.Driver, width: '7rem' },
    { id: 'scope', header: 'Scope', value: (n) => n.Scope, width: '6rem' },
    collectionColumn((n: Network) => n.Labels),
  ],
  facts: (n) => [
    ['Name', n.Name],
    ['Id', <code key="id">{shortId(n.Id)}</code>],
    ['Driver', n.Driver ?? '—'],
    ['Scope', n.Scope ?? '—'],
    ['Attachable', n.Attachable ? 'yes' : 'no'],
    ['Internal', n.Internal ? 'yes' : 'no'],
    ['Collection', n.Labels?.[COLLECTION_LABEL] ?? '/System'],
    ['Created', formatTime(n.Created)],
  ],
};

function CreateNetwork({ permissions }: { permissions: Permissions }) {
  const options = useCollectionsFor(permissions, 'network.create');
  const [name, setName] = useState('');
  const [driver, setDriver] = useState<'overlay' | 'bridge'>('overlay');
  const [attachable, setAttachable] = useState(false);
  const [collection, setCollection] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const create = useDockerMutation(
    (docker, body: object) => docker.post<{ Id: string }>('/networks/create', body),
    { invalidates: ['networks'] },
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const problems: FieldErrors = NAME.test(name)
      ? {}
      : { name: 'Start with a letter or digit; then letters, digits, ".", "_" or "-".' };
    setErrors(problems);
    if (problems['name']) return;
    const where = collection || options[0]!;
    const body = {
      Name: name,
      Driver: driver,
      Attachable: attachable,
      CheckDuplicate: true,
      Labels: { [COLLECTION_LABEL]: where },
    };
    create.mutate(body, {
      onSuccess: () => {
        setCreated(`Created network ${name} in ${where}.`);
        setName('');
      },
    });
  };
  return (
    <Section title="Create a network">
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field label="Network name" error={errors['name']}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Driver" hint="overlay: across the swarm; bridge: one engine">
          {(p) => (
            <select {...p} value={driver} onChange={(e) => setDriver(e.target.value as 'overlay' | 'bridge')}>
              <option value="overlay">overlay</option>
              <option value="bridge">bridge</option>
            </select>
          )}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={attachable} onChange={(e) => setAttachable(e.target.checked)} />
          Attachable by containers
        </label>
        <CollectionField options={options} value={collection || options[0]!} onChange={setCollection} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create network
        </button>
      </form>
      <FormStatus error={create.error} success={created} />
    </Section>
  );
}

export default function NetworksPage() {
  const permissions = usePermissions();
  return (
    <Page title="Networks">
      {permissions.ready && permissions.can('network.create') && <CreateNetwork permissions={permissions} />}
      <ResourceSection spec={spec} permissions={permissions} />
    </Page>
  );
}
