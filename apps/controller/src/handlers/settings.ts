/**
 * Admin settings: the run-time cluster settings (identity's ClusterSettings) and the registry's
 * (anonymous pull, in the repositories package).
 */
import type { Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';

type SettingsHandlers = Pick<
  Handlers,
  'getSettings' | 'updateSettings' | 'getRegistryInfo' | 'getRegistrySettings' | 'updateRegistrySettings'
>;

export function settingsHandlers(services: Services): SettingsHandlers {
  const { identity, repositories } = services;
  return {
    getRegistryInfo: () => {
      const address = services.registryAddress();
      return Promise.resolve({
        body: { host: address?.host ?? null, port: address?.port ?? null, service: services.registryService },
      });
    },
    getSettings: () => Promise.resolve({ body: identity.clusterSettings.current() }),
    updateSettings: async ({ body, audit }) => {
      audit.target = `settings:${Object.keys(body).join(',')}`;
      return { body: await identity.clusterSettings.update(body) };
    },
    getRegistrySettings: async () => ({ body: await repositories.settings.get() }),
    updateRegistrySettings: async ({ body, audit }) => {
      audit.target = `registry-settings:${Object.keys(body).join(',')}`;
      return { body: await repositories.settings.set(body) };
    },
  };
}
