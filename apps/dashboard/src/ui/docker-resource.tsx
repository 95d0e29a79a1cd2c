/**
 * What the Networks, Volumes, Secrets and Configs pages share: the list (searchable, sortable) with an
 * Inspect and a Remove button per row, the inspect panel (key facts, then the engine's JSON), and the
 * (collection-field.tsx has the create forms' collection picker). Remove shows only where the user's grants allow it on the row's
 * collection; the proxy decides anyway, and its refusal is shown with its reason above the list.
 */
import { Fragment, useState, type ReactNode } from 'react';
import { useDocker, useDockerInspect, useDockerMutation, type DockerLists } from '../api/docker-hooks.js';
import { collectionOf, type Labels } from '../api/docker-types.js';
import type { Permissions } from '../api/permissions.js';
import { CollectionCode, LiveUpdates } from './docker-bits.js';
import { DataTable, type Column } from './data-table.js';
import { DeleteButton, FormStatus } from './form.js';
import { Section } from './page.js';
import { QueryView } from './states.js';

export type ResourceKind = 'networks' | 'volumes' | 'secrets' | 'configs';

export interface ResourceSpec<K extends ResourceKind> {
  readonly kind: K;
  /** The authz resource type: `network`, `volume`, … */
  readonly type: string;
  /** Singular word for labels ("network"). */
  readonly noun: string;
  readonly columns: readonly Column<DockerLists[K]>[];
  /** The id (or a volume's name) the Engine API's paths take. */
  readonly idOf: (row: DockerLists[K]) => string;
  readonly nameOf: (row: DockerLists[K]) => string;
  readonly labelsOf: (row: DockerLists[K]) => Labels | null | undefined;
  /** The facts the inspect panel lists before the JSON. */
  readonly facts: (item: DockerLists[K]) => readonly [string, ReactNode][];
}

export function collectionColumn<T>(labelsOf: (row: T) => Labels | null | undefined): Column<T> {
  return {
    id: 'collection',
    header: 'Collection',
    value: (row) => collectionOf(labelsOf(row)),
    render: (row) => <CollectionCode path={collectionOf(labelsOf(row))} />,
    width: '14rem',
  };
}

function InspectPanel<K extends ResourceKind>(props: {
  spec: ResourceSpec<K>;
  id: string;
  close: () => void;
}) {
  const { spec, id } = props;
  const item = useDockerInspect(spec.kind, id);
  return (
    <Section title={`Inspect ${spec.noun}`}>
      <QueryView query={item} what={`the ${spec.noun}`}>
        {(data) => {
          const found = data as DockerLists[K];
          return (
            <>
              <dl className="facts">
                {spec.facts(found).map(([term, value]) => (
                  <Fragment key={term}>
                    <dt>{term}</dt>
                    <dd>{value}</dd>
                  </Fragment>
                ))}
              </dl>
              <details>
                <summary>Engine JSON</summary>
                <pre className="json-view" tabIndex={0} role="region" aria-label={`${spec.noun} JSON`}>
                  {JSON.stringify(found, null, 2)}
                </pre>
              </details>
            </>
          );
        }}
      </QueryView>
      <button type="button" onClick={props.close}>
        Close
      </button>
    </Section>
  );
}

export function ResourceSection<K extends ResourceKind>({
  spec,
  permissions,
}: {
  spec: ResourceSpec<K>;
  permissions: Permissions;
}) {
  const list = useDocker(spec.kind);
  const [inspected, setInspected] = useState<string | null>(null);
  const remove = useDockerMutation(
    (docker, id: string) => docker.delete(`/${spec.kind}/${encodeURIComponent(id)}`),
    {
      invalidates: [spec.kind],
    },
  );
  const plural = spec.kind;
  return (
    <>
      <Section title={`${plural[0]!.toUpperCase()}${plural.slice(1)} you can see`}>
        <LiveUpdates />
        <FormStatus error={remove.error} />
        <QueryView query={list} what={plural}>
          {(rows) => (
            <DataTable
              noun={plural}
              rows={rows}
              columns={spec.columns}
              rowKey={spec.idOf}
              initialSort={{ column: 'name', direction: 'ascending' }}
              empty={`No ${plural} are visible to you.`}
              actions={(row) => (
                <>
                  <button
                    type="button"
                    aria-label={`Inspect ${spec.noun} ${spec.nameOf(row)}`}
                    onClick={() => setInspected(spec.idOf(row))}
                  >
                    Inspect
                  </button>
                  {permissions.ready &&
                    permissions.can(`${spec.type}.remove`, collectionOf(spec.labelsOf(row))) && (
                      <DeleteButton
                        verb="Remove"
                        label={`Remove ${spec.noun} ${spec.nameOf(row)}`}
                        onConfirm={async () => {
                          await remove.mutateAsync(spec.idOf(row));
                          if (inspected === spec.idOf(row)) setInspected(null);
                        }}
                      />
                    )}
                </>
              )}
            />
          )}
        </QueryView>
      </Section>
      {inspected && <InspectPanel spec={spec} id={inspected} close={() => setInspected(null)} />}
    </>
  );
}
