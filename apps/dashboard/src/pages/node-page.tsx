/**
 * One node: what it is (role, state, availability, resources, labels) and, for users with `node.update`
 * on its collection, its changes. Every change is `POST /nodes/{id}/update?version=N` with the full spec,
 * so a change made elsewhere in between is refused by the engine (out of sequence) rather than lost.
 * Administrators also see the node's Stevedore agent and its components (node-agent-section.tsx).
 */
import { Link, useParams } from 'react-router';
import { collectionOf, type Node, type NodeSpec } from '../api/docker.js';
import { useDockerInspect, useDockerMutation } from '../api/docker-hooks.js';
import { usePermissions } from '../api/permissions.js';
import { CollectionCode, LiveUpdates, StateText } from '../ui/docker-bits.js';
import { formatBytes, formatCpus, formatTime, nodeName, nodeRole } from '../ui/docker-format.js';
import { FormStatus } from '../ui/form.js';
import { Page, Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';
import { useSession } from '../session/session.js';
import { NodeAgentSection } from './node-agent-section.js';
import { NodeLabels } from './node-labels.js';
import type { UpdateNode } from './node-update.js';

function NodeFacts({ node }: { node: Node }) {
  const d = node.Description;
  return (
    <dl className="facts">
      <dt>ID</dt>
      <dd>
        <code>{node.ID}</code>
      </dd>
      <dt>Role</dt>
      <dd>{nodeRole(node)}</dd>
      <dt>State</dt>
      <dd>
        <StateText state={node.Status?.State} />
        {node.Status?.Message ? ` (${node.Status.Message})` : ''}
      </dd>
      <dt>Availability</dt>
      <dd>{node.Spec.Availability}</dd>
      <dt>Collection</dt>
      <dd>
        <CollectionCode path={collectionOf(node.Spec.Labels)} />
      </dd>
      <dt>CPUs</dt>
      <dd>{formatCpus(d?.Resources?.NanoCPUs)}</dd>
      <dt>Memory</dt>
      <dd>{formatBytes(d?.Resources?.MemoryBytes)}</dd>
      <dt>Platform</dt>
      <dd>{[d?.Platform?.OS, d?.Platform?.Architecture].filter(Boolean).join(' / ') || '—'}</dd>
      <dt>Engine</dt>
      <dd>{d?.Engine?.EngineVersion ?? '—'}</dd>
      <dt>Address</dt>
      <dd>{node.Status?.Addr ?? '—'}</dd>
      <dt>Updated</dt>
      <dd>{formatTime(node.UpdatedAt)}</dd>
    </dl>
  );
}

function NodeControls({ node, update, pending }: { node: Node; update: UpdateNode; pending: boolean }) {
  const set = (change: Partial<NodeSpec>) => () =>
    void update((spec) => ({ ...spec, ...change })).catch(() => undefined);
  const availability = node.Spec.Availability;
  return (
    <Section title="Availability and role">
      <div className="button-row">
        {availability !== 'drain' && (
          <button type="button" disabled={pending} onClick={set({ Availability: 'drain' })}>
            Drain
          </button>
        )}
        {availability !== 'active' && (
          <button type="button" disabled={pending} onClick={set({ Availability: 'active' })}>
            Activate
          </button>
        )}
        {availability === 'active' && (
          <button type="button" disabled={pending} onClick={set({ Availability: 'pause' })}>
            Pause
          </button>
        )}
        {node.Spec.Role === 'worker' ? (
          <button type="button" disabled={pending} onClick={set({ Role: 'manager' })}>
            Promote to manager
          </button>
        ) : (
          <button type="button" disabled={pending} onClick={set({ Role: 'worker' })}>
            Demote to worker
          </button>
        )}
      </div>
      <p className="hint">
        Draining moves this node&apos;s tasks elsewhere; pausing keeps them but schedules no new ones.
      </p>
    </Section>
  );
}

export default function NodePage() {
  const id = useParams()['id'] ?? '';
  const node = useDockerInspect('nodes', id);
  const permissions = usePermissions();
  const admin = useSession().user!.admin;
  const mutation = useDockerMutation(
    (docker, { node: n, spec }: { node: Node; spec: NodeSpec }) =>
      docker.post(`/nodes/${encodeURIComponent(n.ID)}/update`, spec, { version: n.Version.Index }),
    { invalidates: ['nodes'] },
  );
  return (
    <Page title={`Node ${node.data ? nodeName(node.data) : id.slice(0, 12)}`}>
      <p>
        <Link to="/nodes">All nodes</Link>
      </p>
      <LiveUpdates />
      <QueryView query={node} what="the node">
        {(n) => {
          const canEdit = permissions.can('node.update', collectionOf(n.Spec.Labels));
          const update: UpdateNode = (change) =>
            mutation.mutateAsync({ node: n, spec: change(structuredClone(n.Spec)) });
          return (
            <>
              <Section title="Details">
                <NodeFacts node={n} />
              </Section>
              <FormStatus error={mutation.error} success={mutation.isSuccess ? 'Node updated.' : null} />
              {canEdit && <NodeControls node={n} update={update} pending={mutation.isPending} />}
              <NodeLabels node={n} update={canEdit ? update : undefined} pending={mutation.isPending} />
              {admin && <NodeAgentSection swarmNodeId={n.ID} />}
            </>
          );
        }}
      </QueryView>
    </Page>
  );
}
