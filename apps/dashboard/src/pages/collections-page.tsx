/**
 * Collections: the tree of places resources live in, as paths. Everyone sees those their grants reach;
 * administrators see all, create new ones and delete empty ones (built-in collections stay).
 */
import { useState, type FormEvent } from 'react';
import { schemas } from '@stevedore/api-contract';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { useSession } from '../session/session.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus, validate, type FieldErrors } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Collection = RouteOutput<'getCollection'>;

const columns: Column<Collection>[] = [
  { id: 'path', header: 'Path', value: (c) => c.path, render: (c) => <code>{c.path}</code> },
  { id: 'kind', header: 'Kind', value: (c) => (c.builtin ? 'built-in' : 'custom'), width: '8rem' },
];
const filter = {
  label: 'Kind',
  options: [
    { label: 'All collections', test: () => true },
    { label: 'Built-in', test: (c: Collection) => c.builtin },
    { label: 'Custom', test: (c: Collection) => !c.builtin },
  ],
};

function CreateCollection() {
  const create = useApiMutation('createCollection', { invalidates: ['listCollections'] });
  const [path, setPath] = useState('/Shared/');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(schemas.createCollectionRequest, { path });
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    create.mutate({ body: checked.data }, { onSuccess: (c) => setCreated(`Created collection ${c.path}.`) });
  };
  return (
    <Section title="Create a collection">
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field
          label="Collection path"
          error={errors['path']}
          hint="An absolute path under an existing collection, e.g. /Shared/web"
        >
          {(p) => <input {...p} value={path} onChange={(e) => setPath(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create collection
        </button>
      </form>
      <FormStatus error={create.error} success={created} />
    </Section>
  );
}

export default function CollectionsPage() {
  const admin = useSession().user!.admin;
  const collections = useApiQuery('listCollections');
  const remove = useApiMutation('deleteCollection', { invalidates: ['listCollections'] });
  return (
    <Page title="Collections">
      {admin && <CreateCollection />}
      <Section title={admin ? 'All collections' : 'Collections your grants reach'}>
        <FormStatus error={remove.error} />
        <QueryView query={collections} what="collections">
          {(data) => (
            <DataTable
              noun="collections"
              rows={data.items}
              columns={columns}
              rowKey={(c) => c.path}
              filter={filter}
              initialSort={{ column: 'path', direction: 'ascending' }}
              empty="No collections are visible to you."
              {...(admin
                ? {
                    actions: (c: Collection) =>
                      c.builtin ? null : (
                        <DeleteButton
                          label={`Delete collection ${c.path}`}
                          onConfirm={() => remove.mutateAsync({ params: { '*': c.path.replace(/^\//, '') } })}
                        />
                      ),
                  }
                : {})}
            />
          )}
        </QueryView>
      </Section>
    </Page>
  );
}
