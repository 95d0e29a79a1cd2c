/**
 * Stacks: services, networks, secrets, configs and volumes grouped by their stack label, as `docker
 * stack ls` does, from the lists the proxy lets the user see. A stack is shown with its objects, deployed
 * from a compose file (stack-deploy-form.tsx) and removed as `docker stack rm` does. Remove shows only
 * when the user may remove services in every collection the stack is in. The event stream keeps the lists
 * current (a stack's networks go only after its tasks have stopped).
 */
import { useState } from 'react';
import { useDocker, useDockerMutation } from '../api/docker-hooks.js';
import { usePermissions } from '../api/permissions.js';
import { removeStack } from '../stacks/stack-deploy.js';
import { groupStacks, type Stack } from '../stacks/stack-model.js';
import { DataTable, type Column } from '../ui/data-table.js';
import { LiveUpdates } from '../ui/docker-bits.js';
import { DeleteButton, FormStatus } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { ErrorNotice, Loading } from '../ui/states.js';
import { StackDeployForm } from './stack-deploy-form.js';

const columns: Column<Stack>[] = [
  { id: 'name', header: 'Stack', value: (s) => s.name },
  { id: 'services', header: 'Services', value: (s) => s.services.length, width: '6rem' },
  { id: 'networks', header: 'Networks', value: (s) => s.networks.length, width: '6rem' },
  { id: 'secrets', header: 'Secrets', value: (s) => s.secrets.length, width: '6rem' },
  { id: 'configs', header: 'Configs', value: (s) => s.configs.length, width: '6rem' },
  { id: 'collection', header: 'Collection', value: (s) => s.collections.join(', '), width: '12rem' },
];

function StackDetails({ stack, close }: { stack: Stack; close: () => void }) {
  const groups: [string, string[]][] = [
    ['Services', stack.services.map((s) => s.Spec.Name ?? s.ID)],
    ['Networks', stack.networks.map((n) => n.Name)],
    ['Secrets', stack.secrets.map((s) => s.Spec.Name)],
    ['Configs', stack.configs.map((c) => c.Spec.Name)],
    ['Volumes', stack.volumes.map((v) => v.Name)],
  ];
  return (
    <Section title={`Stack ${stack.name}`}>
      <dl className="facts">
        {groups.map(([kind, names]) => [
          <dt key={`${kind}-t`}>{kind}</dt>,
          <dd key={`${kind}-d`}>{names.length > 0 ? names.join(', ') : 'none'}</dd>,
        ])}
      </dl>
      <button type="button" onClick={close}>
        Close
      </button>
    </Section>
  );
}

export default function StacksPage() {
  const permissions = usePermissions();
  const lists = {
    services: useDocker('services'),
    networks: useDocker('networks'),
    secrets: useDocker('secrets'),
    configs: useDocker('configs'),
    volumes: useDocker('volumes'),
  };
  const [shown, setShown] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const remove = useDockerMutation(
    async (docker, stack: string) => {
      await removeStack(docker, stack, setRemoving);
      // The engine removes a network once the tasks using it have stopped; events then update the list.
      setRemoving(`Removed stack ${stack}. Its networks go once their tasks have stopped.`);
    },
    { invalidates: ['services', 'networks', 'secrets', 'configs', 'tasks'] },
  );
  const queries = Object.values(lists);
  const error = queries.find((q) => q.error)?.error;
  const stacks =
    lists.services.data &&
    lists.networks.data &&
    lists.secrets.data &&
    lists.configs.data &&
    lists.volumes.data
      ? groupStacks({
          services: lists.services.data,
          networks: lists.networks.data,
          secrets: lists.secrets.data,
          configs: lists.configs.data,
          volumes: lists.volumes.data,
        })
      : undefined;
  const selected = stacks?.find((s) => s.name === shown);
  const mayRemove = (s: Stack) =>
    permissions.ready && s.collections.every((c) => permissions.can('service.remove', c));

  return (
    <Page title="Stacks">
      {permissions.ready && permissions.can('service.create') && (
        <StackDeployForm permissions={permissions} />
      )}
      <Section title="Stacks you can see">
        <LiveUpdates />
        <FormStatus error={remove.error} success={removing} />
        {error ? (
          <ErrorNotice error={error} retry={() => queries.forEach((q) => void q.refetch())} />
        ) : !stacks ? (
          <Loading what="stacks" />
        ) : (
          <DataTable
            noun="stacks"
            rows={stacks}
            columns={columns}
            rowKey={(s) => s.name}
            initialSort={{ column: 'name', direction: 'ascending' }}
            empty="No stacks are visible to you. Deploy one from a compose file."
            actions={(s) => (
              <>
                <button type="button" aria-label={`Show stack ${s.name}`} onClick={() => setShown(s.name)}>
                  Show
                </button>
                {mayRemove(s) && (
                  <DeleteButton
                    verb="Remove"
                    label={`Remove stack ${s.name}`}
                    onConfirm={() => remove.mutateAsync(s.name)}
                  />
                )}
              </>
            )}
          />
        )}
      </Section>
      {selected && <StackDetails stack={selected} close={() => setShown(null)} />}
    </Page>
  );
}
