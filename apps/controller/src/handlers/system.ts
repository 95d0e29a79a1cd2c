/** Health, the cluster CA and the OpenAPI document: public, unaudited. */
import { buildOpenApi } from '@stevedore/api-contract';
import type { Handlers } from '../http/route-kit.js';
import type { Services } from './services.js';

export function systemHandlers(services: Services): Pick<Handlers, 'ping' | 'ca' | 'openapi'> {
  const openapi = buildOpenApi(services.version);
  return {
    ping: () => Promise.resolve({ text: { contentType: 'text/plain; charset=utf-8', value: 'OK' } }),
    ca: () =>
      Promise.resolve({ text: { contentType: 'application/x-pem-file', value: services.clusterCaPem } }),
    openapi: () => Promise.resolve({ body: openapi }),
  };
}
