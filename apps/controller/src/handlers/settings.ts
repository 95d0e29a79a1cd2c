/** Admin settings: read and change the run-time cluster settings (identity's ClusterSettings). */
import type { Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';

export function settingsHandlers({ identity }: Services): Pick<Handlers, 'getSettings' | 'updateSettings'> {
  return {
    getSettings: () => Promise.resolve({ body: identity.clusterSettings.current() }),
    updateSettings: async ({ body, audit }) => {
      audit.target = `settings:${Object.keys(body).join(',')}`;
      return { body: await identity.clusterSettings.update(body) };
    },
  };
}
