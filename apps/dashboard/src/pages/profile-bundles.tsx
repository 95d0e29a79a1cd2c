/**
 * Client bundles: a zip with a fresh client certificate and key for the docker CLI (the key exists only in
 * the download), the bundles issued so far, and revoking one.
 */
import { useState, type FormEvent } from 'react';
import { useApiDownload, useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { DeleteButton, Field, FormStatus } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Bundle = RouteOutput<'listOwnBundles'>['items'][number];

const columns: Column<Bundle>[] = [
  { id: 'label', header: 'Label', value: (b) => b.label },
  {
    id: 'keyId',
    header: 'Key id',
    value: (b) => b.keyId,
    render: (b) => <code>{b.keyId.slice(0, 16)}…</code>,
  },
  {
    id: 'createdAt',
    header: 'Created',
    value: (b) => b.createdAt,
    render: (b) => new Date(b.createdAt).toLocaleDateString(),
    width: '8rem',
  },
  {
    id: 'expiresAt',
    header: 'Expires',
    value: (b) => b.expiresAt,
    render: (b) => new Date(b.expiresAt).toLocaleDateString(),
    width: '8rem',
  },
];

export function ClientBundles() {
  const bundles = useApiQuery('listOwnBundles');
  const download = useApiDownload('downloadClientBundle', { invalidates: ['listOwnBundles'] });
  const revoke = useApiMutation('revokeOwnBundle', { invalidates: ['listOwnBundles'] });
  const [label, setLabel] = useState('');
  const [format, setFormat] = useState<'bundle' | 'context'>('bundle');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    download.mutate({ query: { ...(label ? { label } : {}), format } });
  };
  return (
    <Section title="Client bundles">
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field label="Bundle label" hint="Optional, e.g. laptop">
          {(p) => <input {...p} value={label} maxLength={100} onChange={(e) => setLabel(e.target.value)} />}
        </Field>
        <Field label="Format">
          {(p) => (
            <select {...p} value={format} onChange={(e) => setFormat(e.target.value as 'bundle' | 'context')}>
              <option value="bundle">Bundle with env.sh (docker CLI)</option>
              <option value="context">docker context import</option>
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={download.isPending}>
          Download a new bundle
        </button>
      </form>
      <FormStatus
        error={download.error ?? revoke.error}
        success={download.data ? `Downloaded ${download.data}.` : null}
      />
      <QueryView query={bundles} what="client bundles">
        {(data) => (
          <DataTable
            noun="client bundles"
            rows={data.items}
            columns={columns}
            rowKey={(b) => b.id}
            initialSort={{ column: 'createdAt', direction: 'descending' }}
            empty="You have not downloaded a client bundle yet."
            actions={(b) => (
              <DeleteButton
                verb="Revoke"
                label={`Revoke bundle ${b.label}`}
                onConfirm={() => revoke.mutateAsync({ params: { id: b.id } })}
              />
            )}
          />
        )}
      </QueryView>
    </Section>
  );
}
