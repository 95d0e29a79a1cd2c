/**
 * A node's labels, and for users who may update the node, adding, changing and removing them. The label
 * `io.stevedore.collection` places the node in a collection: users may schedule services on it when they
 * hold `node.schedule` there.
 */
import { useState, type FormEvent } from 'react';
import { COLLECTION_LABEL, type Node } from '../api/docker.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, type FieldErrors } from '../ui/form.js';
import { Section } from '../ui/page.js';
import type { UpdateNode } from './node-update.js';

type Label = { key: string; value: string };
const columns: Column<Label>[] = [
  { id: 'key', header: 'Label', value: (l) => l.key, render: (l) => <code>{l.key}</code> },
  { id: 'value', header: 'Value', value: (l) => l.value, render: (l) => <code>{l.value}</code> },
];

function AddLabel({ update, pending }: { update: UpdateNode; pending: boolean }) {
  const [key, setKey] = useState(COLLECTION_LABEL);
  const [value, setValue] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const k = key.trim();
    const problems: FieldErrors = {};
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(k))
      problems['key'] = 'use letters, digits, dots, dashes, slashes';
    if (k === COLLECTION_LABEL && !value.startsWith('/'))
      problems['value'] = 'a collection path, e.g. /Shared/dev';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    void update((spec) => ({ ...spec, Labels: { ...spec.Labels, [k]: value } }))
      .then(() => setValue(''))
      .catch(() => undefined);
  };
  return (
    <form onSubmit={submit} className="inline-form" noValidate>
      <Field label="Label key" error={errors['key']}>
        {(p) => <input {...p} value={key} onChange={(e) => setKey(e.target.value)} />}
      </Field>
      <Field label="Label value" error={errors['value']} hint={`For ${COLLECTION_LABEL}: a collection path`}>
        {(p) => <input {...p} value={value} onChange={(e) => setValue(e.target.value)} />}
      </Field>
      <button type="submit" className="primary" disabled={pending}>
        Set label
      </button>
    </form>
  );
}

export function NodeLabels({
  node,
  update,
  pending,
}: {
  node: Node;
  update: UpdateNode | undefined;
  pending: boolean;
}) {
  const labels = Object.entries(node.Spec.Labels ?? {}).map(([key, value]) => ({ key, value }));
  return (
    <Section title="Labels">
      {update && <AddLabel update={update} pending={pending} />}
      <DataTable
        noun="labels"
        rows={labels}
        columns={columns}
        rowKey={(l) => l.key}
        initialSort={{ column: 'key', direction: 'ascending' }}
        empty="This node has no labels; it is in /System (administrators only)."
        {...(update
          ? {
              actions: (l: Label) => (
                <DeleteButton
                  label={`Remove label ${l.key}`}
                  verb="Remove"
                  onConfirm={() =>
                    update((spec) => {
                      const rest = { ...spec.Labels };
                      delete rest[l.key];
                      return { ...spec, Labels: rest };
                    })
                  }
                />
              ),
            }
          : {})}
      />
    </Section>
  );
}
