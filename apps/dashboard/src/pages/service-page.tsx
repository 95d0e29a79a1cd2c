/**
 * One service: what it runs, its tasks and its logs; users with `service.update` on its collection scale
 * it and change its image, those with `service.remove` remove it. Changes send the full spec with
 * `?version=N`, so a concurrent change is refused by the engine instead of overwritten.
 */
import { Link, useNavigate, useParams } from 'react-router';
import { collectionOf, type Service, type ServiceSpec, type Task } from '../api/docker.js';
import { useDocker, useDockerInspect, useDockerMutation } from '../api/docker-hooks.js';
import { usePermissions } from '../api/permissions.js';
import { CollectionCode, LiveUpdates } from '../ui/docker-bits.js';
import { formatTime, joinWords } from '../ui/docker-format.js';
import { DeleteButton, FormStatus } from '../ui/form.js';
import { LogView } from '../ui/log-view.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { ServiceChanges } from './service-changes.js';
import { ServiceTasks, TASK_REFRESH_MS } from './service-tasks.js';

/** "2 running of 3" from the service's tasks (a service's inspect has no counts), "global" for global ones. */
function replicasText(s: Service, tasks: readonly Task[] | undefined): string {
  const running = tasks?.filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running').length;
  const counted = running === undefined ? '…' : String(running);
  const wanted = s.Spec.Mode?.Replicated?.Replicas;
  return wanted === undefined ? `global, ${counted} running` : `${counted} running of ${wanted}`;
}

function ServiceFacts({ service: s, running }: { service: Service; running: readonly Task[] | undefined }) {
  const c = s.Spec.TaskTemplate.ContainerSpec;
  const ports = s.Endpoint?.Ports ?? [];
  return (
    <dl className="facts">
      <dt>ID</dt>
      <dd>
        <code>{s.ID}</code>
      </dd>
      <dt>Image</dt>
      <dd>
        <code>{c?.Image ?? '—'}</code>
      </dd>
      <dt>Command</dt>
      <dd>
        <code>{joinWords([...(c?.Command ?? []), ...(c?.Args ?? [])]) || '(the image’s default)'}</code>
      </dd>
      <dt>Replicas</dt>
      <dd>{replicasText(s, running)}</dd>
      <dt>Collection</dt>
      <dd>
        <CollectionCode path={collectionOf(s.Spec.Labels)} />
      </dd>
      <dt>Published ports</dt>
      <dd>
        {ports.length
          ? ports.map((p) => `${p.PublishedPort ?? '?'}→${p.TargetPort ?? '?'}`).join(', ')
          : 'none'}
      </dd>
      <dt>Update status</dt>
      <dd>
        {s.UpdateStatus?.State
          ? `${s.UpdateStatus.State}${s.UpdateStatus.Message ? `: ${s.UpdateStatus.Message}` : ''}`
          : '—'}
      </dd>
      <dt>Created</dt>
      <dd>{formatTime(s.CreatedAt)}</dd>
      <dt>Updated</dt>
      <dd>{formatTime(s.UpdatedAt)}</dd>
    </dl>
  );
}

export default function ServicePage() {
  const id = useParams()['id'] ?? '';
  const navigate = useNavigate();
  const service = useDockerInspect('services', id);
  const tasks = useDocker('tasks', { filters: { service: [id] }, refetchInterval: TASK_REFRESH_MS });
  const permissions = usePermissions();
  const update = useDockerMutation(
    (docker, { s, spec }: { s: Service; spec: ServiceSpec }) =>
      docker.post(`/services/${encodeURIComponent(s.ID)}/update`, spec, { version: s.Version.Index }),
    { invalidates: ['services', 'tasks'] },
  );
  const remove = useDockerMutation(
    (docker, sid: string) => docker.delete(`/services/${encodeURIComponent(sid)}`),
    {
      invalidates: ['services', 'tasks'],
    },
  );
  const name = service.data?.Spec.Name ?? id.slice(0, 12);
  return (
    <Page title={`Service ${name}`}>
      <p>
        <Link to="/services">All services</Link>
      </p>
      <LiveUpdates />
      <QueryView query={service} what="the service">
        {(s) => {
          const collection = collectionOf(s.Spec.Labels);
          const canUpdate = permissions.can('service.update', collection);
          const canRemove = permissions.can('service.remove', collection);
          return (
            <>
              <Section title="Details">
                <ServiceFacts service={s} running={tasks.data} />
                {canRemove && (
                  <div className="button-row">
                    <DeleteButton
                      label={`Remove service ${name}`}
                      verb="Remove"
                      onConfirm={() => remove.mutateAsync(s.ID).then(() => navigate('/services'))}
                    />
                  </div>
                )}
                <FormStatus error={remove.error} />
              </Section>
              {canUpdate && (
                <ServiceChanges
                  service={s}
                  pending={update.isPending}
                  error={update.error}
                  apply={(spec) => update.mutateAsync({ s, spec })}
                />
              )}
              <ServiceTasks serviceId={s.ID} serviceName={s.Spec.Name ?? shortName(s.ID)} />
              <Section title="Logs">
                {permissions.can('service.logs', collection) || !permissions.ready ? (
                  <LogView path={`/services/${encodeURIComponent(s.ID)}/logs`} what={`service ${name}`} />
                ) : (
                  <p className="muted">
                    Reading this service&apos;s logs needs a role with service logs (View Only has none).
                  </p>
                )}
              </Section>
            </>
          );
        }}
      </QueryView>
    </Page>
  );
}

const shortName = (id: string) => id.slice(0, 12);
