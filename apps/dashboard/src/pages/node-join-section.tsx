/**
 * "Add a node" on the Nodes page (administrators): the `stevedore join` command to run on a new machine,
 * for a worker or a manager, with its token, and a button that replaces that token (the old one is refused
 * from then on; nodes that joined keep working).
 */
import { useState } from 'react';
import { useApiMutation, useApiQuery } from '../api/hooks.js';
import { CopyField } from '../ui/copy-field.js';
import { FormStatus } from '../ui/form.js';
import { Section } from '../ui/page.js';
import { QueryView } from '../ui/states.js';

type Role = 'worker' | 'manager';

export function AddNodeSection() {
  const tokens = useApiQuery('getJoinTokens');
  const rotate = useApiMutation('rotateJoinTokens', { invalidates: ['getJoinTokens'] });
  const [role, setRole] = useState<Role>('worker');
  const [rotated, setRotated] = useState<string | null>(null);
  return (
    <Section title="Add a node">
      <QueryView query={tokens} what="the join tokens">
        {(t) => {
          const url = t.managerUrl ?? window.location.origin;
          return (
            <>
              <p>
                On the new machine (Debian 12, as root, with Stevedore installed), run the command below. It
                installs the Docker Engine if needed, checks this manager against the token, and joins the
                swarm as a {role}.
              </p>
              <div className="inline-form">
                <div className="field">
                  <label htmlFor="join-role">Join as</label>
                  <select id="join-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
                    <option value="worker">worker</option>
                    <option value="manager">manager</option>
                  </select>
                </div>
              </div>
              <CopyField
                label={`Command to join as a ${role}`}
                value={`stevedore join --token ${t[role]} ${url}`}
              />
              <p className="hint">
                Tokens last until replaced; this one was made or last replaced{' '}
                {new Date(t.rotatedAt).toLocaleString()}.
              </p>
              <button
                type="button"
                disabled={rotate.isPending}
                onClick={() =>
                  rotate.mutate(
                    { body: { role } },
                    {
                      onSuccess: () =>
                        setRotated(`Replaced the ${role} token: the old one is refused from now on.`),
                    },
                  )
                }
              >
                Replace the {role} token
              </button>
              <FormStatus error={rotate.error} success={rotated} />
            </>
          );
        }}
      </QueryView>
    </Section>
  );
}
