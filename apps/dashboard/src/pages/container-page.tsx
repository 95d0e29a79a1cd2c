/**
 * One container: its key facts, its full inspect answer as formatted JSON, its logs, and stop / remove
 * for users who hold those operations on its collection.
 */
import { Link, useNavigate, useParams } from 'react-router';
import { useDocker, useDockerInspect, useDockerMutation } from '../api/docker-hooks.js';
import type { ContainerInspect } from '../api/docker.js';
import { usePermissions } from '../api/permissions.js';
import { CollectionCode, LiveUpdates, StateText } from '../ui/docker-bits.js';
import { containerCollection, formatTime, joinWords, shortId } from '../ui/docker-format.js';
import { DeleteButton, FormStatus } from '../ui/form.js';
import { LogView } from '../ui/log-view.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

function ContainerFacts({ c, collection }: { c: ContainerInspect; collection: string }) {
  const labels = c.Config?.Labels ?? {};
  const service = labels['com.docker.swarm.service.id'];
  return (
    <dl className="facts">
      <dt>ID</dt>
      <dd>
        <code>{c.Id}</code>
      </dd>
      <dt>State</dt>
      <dd>
        <StateText state={c.State?.Status} />
        {c.State?.Running === false ? ` (exit code ${c.State.ExitCode ?? '?'})` : ''}
      </dd>
      <dt>Image</dt>
      <dd>
        <code>{c.Config?.Image ?? '—'}</code>
      </dd>
      <dt>Command</dt>
      <dd>
        <code>{joinWords(c.Path ? [c.Path, ...(c.Args ?? [])] : c.Config?.Cmd) || '—'}</code>
      </dd>
      <dt>Collection</dt>
      <dd>
        <CollectionCode path={collection} />
      </dd>
      {service && (
        <>
          <dt>Service</dt>
          <dd>
            <Link to={`/services/${encodeURIComponent(service)}`}>
              {labels['com.docker.swarm.service.name'] ?? shortId(service)}
            </Link>
          </dd>
        </>
      )}
      <dt>Created</dt>
      <dd>{formatTime(c.Created)}</dd>
    </dl>
  );
}

export default function ContainerPage() {
  const id = useParams()['id'] ?? '';
  const navigate = useNavigate();
  const container = useDockerInspect('containers', id);
  const services = useDocker('services');
  const permissions = usePermissions();
  const stop = useDockerMutation(
    (docker, cid: string) => docker.post(`/containers/${encodeURIComponent(cid)}/stop`),
    {
      invalidates: ['containers'],
    },
  );
  const remove = useDockerMutation(
    (docker, cid: string) => docker.delete(`/containers/${encodeURIComponent(cid)}`, { force: true }),
    { invalidates: ['containers'] },
  );
  const name = container.data?.Name?.replace(/^\//, '') ?? shortId(id);
  return (
    <Page title={`Container ${name}`}>
      <p>
        <Link to="/containers">All containers</Link>
      </p>
      <LiveUpdates />
      <QueryView query={container} what="the container">
        {(c) => {
          const collection = containerCollection(services.data)({ Labels: c.Config?.Labels });
          return (
            <>
              <Section title="Details">
                <ContainerFacts c={c} collection={collection} />
                <div className="button-row">
                  {c.State?.Running && permissions.can('container.stop', collection) && (
                    <DeleteButton
                      label={`Stop container ${name}`}
                      verb="Stop"
                      onConfirm={() => stop.mutateAsync(c.Id)}
                    />
                  )}
                  {permissions.can('container.remove', collection) && (
                    <DeleteButton
                      label={`Remove container ${name}`}
                      verb="Remove"
                      onConfirm={() => remove.mutateAsync(c.Id).then(() => navigate('/containers'))}
                    />
                  )}
                </div>
                <FormStatus error={stop.error ?? remove.error} />
              </Section>
              <Section title="Logs">
                {permissions.can('container.logs', collection) || !permissions.ready ? (
                  <LogView path={`/containers/${encodeURIComponent(c.Id)}/logs`} what={`container ${name}`} />
                ) : (
                  <p className="muted">
                    Reading this container&apos;s logs needs a role with container logs.
                  </p>
                )}
              </Section>
              <Section title="Inspect">
                <pre
                  className="json-view"
                  tabIndex={0}
                  role="region"
                  aria-label={`Inspect output of container ${name}`}
                >
                  {JSON.stringify(c, null, 2)}
                </pre>
              </Section>
            </>
          );
        }}
      </QueryView>
    </Page>
  );
}
