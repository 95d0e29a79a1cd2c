/**
 * A repository's tags: digest (shortened; the cell's title has it whole), size, platform, when and by
 * whom it was pushed; the `docker pull` line of the chosen tag to copy; deleting a tag for those with
 * admin access. With no tags yet, the lines that push the first one.
 */
import { useState } from 'react';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import type { RouteOutput } from '../api/client.js';
import { pullCommand, useRegistryHost } from '../api/registry-host.js';
import { canAdminister } from '../api/repository-rights.js';
import { useSession } from '../session/session.js';
import { CopyField } from '../ui/copy-field.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { formatBytes, formatTime } from '../ui/docker-format.js';
import { DeleteButton, FormStatus } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { platformText, shortDigest } from '../ui/registry-format.js';
import { QueryView } from '../ui/states.js';

type Repository = RouteOutput<'getRepository'>;
type Tag = RouteOutput<'listRepositoryTags'>['items'][number];

const columns: Column<Tag>[] = [
  { id: 'tag', header: 'Tag', value: (t) => t.tag },
  {
    id: 'digest',
    header: 'Digest',
    value: (t) => t.digest,
    render: (t) => <code>{shortDigest(t.digest)}</code>,
    width: '13rem',
  },
  {
    id: 'size',
    header: 'Size',
    value: (t) => t.size,
    render: (t) => formatBytes(t.size),
    width: '7rem',
    searchable: false,
  },
  { id: 'platform', header: 'Platform', value: platformText, width: '9rem' },
  {
    id: 'pushedAt',
    header: 'Pushed',
    value: (t) => t.pushedAt ?? '',
    render: (t) => (t.pushedAt ? formatTime(t.pushedAt) : '—'),
    width: '13rem',
    searchable: false,
  },
  { id: 'pushedBy', header: 'Pushed by', value: (t) => t.pushedBy ?? '—', width: '9rem' },
];

function PushHelp({ path }: { path: string }) {
  const me = useSession().user!.name;
  const host = useRegistryHost();
  const target = `${host}/${path}:1.0`;
  return (
    <div className="state state-empty">
      <p>No tags yet. Push an image to this repository from a machine with the docker CLI:</p>
      <CopyField label="Log in" value={`docker login -u ${me} ${host}`} />
      <CopyField label="Tag a local image" value={`docker tag my-image ${target}`} />
      <CopyField label="Push it" value={`docker push ${target}`} />
    </div>
  );
}

export function RepositoryTags({ repository: r }: { repository: Repository }) {
  const params = { namespace: r.namespace, name: r.name };
  const path = `${r.namespace}/${r.name}`;
  const tags = useApiQuery('listRepositoryTags', { params });
  const remove = useApiMutation('deleteRepositoryTag', { invalidates: ['listRepositoryTags'] });
  const [chosen, setChosen] = useState<string | null>(null);
  const admin = canAdminister(r);
  const host = useRegistryHost();
  return (
    <Section title="Tags">
      <FormStatus error={remove.error} />
      <QueryView query={tags} what="tags">
        {(data) => {
          if (data.items.length === 0) return <PushHelp path={path} />;
          const tag = data.items.find((t) => t.tag === chosen)?.tag ?? data.items[0]!.tag;
          return (
            <>
              <CopyField label={`Pull ${path}:${tag}`} value={pullCommand(host, path, tag)} />
              <DataTable
                noun="tags"
                rows={data.items}
                columns={columns}
                rowKey={(t) => t.tag}
                initialSort={{ column: 'pushedAt', direction: 'descending' }}
                empty=""
                actions={(t) => (
                  <>
                    <button
                      type="button"
                      aria-label={`Pull command for ${t.tag}`}
                      aria-pressed={t.tag === tag}
                      onClick={() => setChosen(t.tag)}
                    >
                      Pull
                    </button>
                    {admin && (
                      <DeleteButton
                        label={`Delete tag ${t.tag}`}
                        onConfirm={() => remove.mutateAsync({ params: { ...params, tag: t.tag } })}
                      />
                    )}
                  </>
                )}
              />
            </>
          );
        }}
      </QueryView>
    </Section>
  );
}
