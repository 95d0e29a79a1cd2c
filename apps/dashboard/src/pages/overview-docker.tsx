/**
 * The overview's swarm sections: nodes by state and availability with their CPUs and memory, and services
 * and tasks by state, all from what the user may see through the proxy (lists are filtered per user).
 */
import { Link } from 'react-router';
import type { Node, Task } from '../api/docker.js';
import { useDocker } from '../api/docker-hooks.js';
import { LiveUpdates } from '../ui/docker-bits.js';
import { formatBytes, formatCpus, nodeName } from '../ui/docker-format.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

/** How many items share each value, most common first. */
export function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item) ?? 'unknown', (counts.get(key(item) ?? 'unknown') ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function Counts({ title, counts, to }: { title: string; counts: [string, number][]; to: string }) {
  return (
    <div className="count-group">
      <h3>{title}</h3>
      {counts.length === 0 ? (
        <p className="muted">None visible.</p>
      ) : (
        <ul className="cards">
          {counts.map(([label, n]) => (
            <li className="card" key={label}>
              <Link to={to}>
                <span className="card-number">{n}</span> {label}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function NodeResources({ nodes }: { nodes: readonly Node[] }) {
  const cpus = nodes.reduce((sum, n) => sum + (n.Description?.Resources?.NanoCPUs ?? 0), 0);
  const memory = nodes.reduce((sum, n) => sum + (n.Description?.Resources?.MemoryBytes ?? 0), 0);
  return (
    <table className="resources">
      <caption>
        Node CPU and memory (total: {formatCpus(cpus)} CPUs, {formatBytes(memory)})
      </caption>
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col">CPUs</th>
          <th scope="col">Memory</th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((n) => (
          <tr key={n.ID}>
            <td>
              <Link to={`/nodes/${encodeURIComponent(n.ID)}`}>{nodeName(n)}</Link>
            </td>
            <td>{formatCpus(n.Description?.Resources?.NanoCPUs)}</td>
            <td>{formatBytes(n.Description?.Resources?.MemoryBytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const current = (t: Task) => t.DesiredState === 'running' || t.DesiredState === 'ready';

export function DockerOverview() {
  const nodes = useDocker('nodes');
  const services = useDocker('services');
  const tasks = useDocker('tasks');
  return (
    <>
      <Section title="Nodes">
        <LiveUpdates />
        <QueryView query={nodes} what="nodes">
          {(rows) => (
            <>
              <div className="count-groups">
                <Counts title="By state" counts={countBy(rows, (n) => n.Status?.State)} to="/nodes" />
                <Counts
                  title="By availability"
                  counts={countBy(rows, (n) => n.Spec.Availability)}
                  to="/nodes"
                />
              </div>
              {rows.length > 0 && <NodeResources nodes={rows} />}
            </>
          )}
        </QueryView>
      </Section>
      <Section title="Services and tasks">
        <QueryView query={services} what="services">
          {(rows) => (
            <div className="count-groups">
              <Counts
                title="Services"
                counts={countBy(rows, (s) =>
                  (s.ServiceStatus?.RunningTasks ?? 0) >= (s.ServiceStatus?.DesiredTasks ?? 0)
                    ? 'converged'
                    : 'converging',
                )}
                to="/services"
              />
              <QueryView query={tasks} what="tasks">
                {(all) => (
                  <Counts
                    title="Current tasks by state"
                    counts={countBy(all.filter(current), (t) => t.Status?.State)}
                    to="/services"
                  />
                )}
              </QueryView>
            </div>
          )}
        </QueryView>
      </Section>
    </>
  );
}
