import type { Handlers } from '../http/route-kit.js';
import { accessHandlers } from './access.js';
import { accountHandlers } from './accounts.js';
import { authHandlers } from './auth.js';
import { bundleHandlers } from './bundles.js';
import { clusterHandlers } from './cluster.js';
import { jobHandlers } from './jobs.js';
import { repositoryHandlers } from './repositories.js';
import { serviceAccountHandlers } from './service-accounts.js';
import type { Services } from './services.js';
import { settingsHandlers } from './settings.js';
import { systemHandlers } from './system.js';

export type { Services } from './services.js';

export function buildHandlers(services: Services): Handlers {
  return {
    ...systemHandlers(services),
    ...authHandlers(services),
    ...accountHandlers(services),
    ...accessHandlers(services),
    ...settingsHandlers(services),
    ...bundleHandlers(services),
    ...jobHandlers(services),
    ...repositoryHandlers(services),
    ...serviceAccountHandlers(services),
    ...clusterHandlers(services),
  };
}
