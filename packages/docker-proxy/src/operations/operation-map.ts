/**
 * The operation map: every Engine API endpoint (method + path template, as the API's own OpenAPI documents
 * write them) with the rule the proxy applies to it. It covers API v1.41 (what Debian 12's engine serves)
 * and the latest API; operation-map.test.ts reads both specifications and fails if an endpoint is missing
 * here. What matches no entry is refused, so a new engine endpoint is closed until someone maps it.
 *
 * Image names (and plugin names) may hold `/`, so `{name}` in an `/images/`, `/distribution/` or
 * `/plugins/` path matches across segments; every other parameter is one segment.
 */
import type { EngineRule } from './rules.js';
import { admin, create, events, image, list, one, open, summary, unsupported, update } from './rules.js';

export type EngineMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface EngineEndpoint {
  readonly method: EngineMethod;
  readonly path: string;
  readonly rule: EngineRule;
}

const PRUNE = 'prune removes resources of every collection';
const PLUGINS = 'plugins run with host privileges on every node';
const SWARM = 'Swarm membership, join tokens and keys are the cluster administrators’';

const table: readonly (readonly [EngineMethod, string, EngineRule])[] = [
  // System
  ['GET', '/_ping', open],
  ['HEAD', '/_ping', open],
  ['GET', '/version', open],
  ['GET', '/info', summary('info')],
  ['POST', '/auth', open],
  ['GET', '/events', events],
  ['GET', '/system/df', summary('disk-usage')],
  ['POST', '/session', unsupported('BuildKit sessions are not proxied; build with DOCKER_BUILDKIT=0')],

  // Containers
  ['GET', '/containers/json', list('container')],
  ['POST', '/containers/create', create('container', 'container.create')],
  ['POST', '/containers/prune', admin(PRUNE)],
  ['GET', '/containers/{id}/json', one('container', 'container.view')],
  // The process list shows exec command lines and, with ps_args=e, environments: what logs hold.
  ['GET', '/containers/{id}/top', one('container', 'container.logs')],
  ['GET', '/containers/{id}/changes', one('container', 'container.view')],
  ['POST', '/containers/{id}/wait', one('container', 'container.view')],
  ['GET', '/containers/{id}/logs', one('container', 'container.logs')],
  ['GET', '/containers/{id}/stats', one('container', 'container.stats')],
  ['GET', '/containers/{id}/export', one('container', 'container.archive')],
  ['HEAD', '/containers/{id}/archive', one('container', 'container.archive')],
  ['GET', '/containers/{id}/archive', one('container', 'container.archive')],
  ['PUT', '/containers/{id}/archive', one('container', 'container.archive')],
  ['POST', '/containers/{id}/resize', one('container', 'container.attach')],
  ['POST', '/containers/{id}/attach', one('container', 'container.attach')],
  ['GET', '/containers/{id}/attach/ws', one('container', 'container.attach')],
  ['POST', '/containers/{id}/start', one('container', 'container.start')],
  ['POST', '/containers/{id}/stop', one('container', 'container.stop')],
  ['POST', '/containers/{id}/restart', one('container', 'container.restart')],
  ['POST', '/containers/{id}/kill', one('container', 'container.kill')],
  ['POST', '/containers/{id}/pause', one('container', 'container.pause')],
  ['POST', '/containers/{id}/unpause', one('container', 'container.pause')],
  ['POST', '/containers/{id}/update', one('container', 'container.update')],
  ['POST', '/containers/{id}/rename', one('container', 'container.rename')],
  ['DELETE', '/containers/{id}', one('container', 'container.remove')],
  ['POST', '/containers/{id}/exec', { kind: 'exec', operation: 'container.exec' }],
  ['POST', '/exec/{id}/start', one('exec', 'container.exec')],
  ['POST', '/exec/{id}/resize', one('exec', 'container.exec')],
  ['GET', '/exec/{id}/json', one('exec', 'container.view')],
  ['POST', '/commit', { kind: 'commit', operation: 'container.commit' }],

  // Images: authorized on the caller's default collection
  ['GET', '/images/json', list('image')],
  ['POST', '/build', image('image.build')],
  ['POST', '/build/prune', admin(PRUNE)],
  ['POST', '/images/create', image('image.pull')],
  ['POST', '/images/load', image('image.pull')],
  ['GET', '/images/get', image('image.view')],
  ['GET', '/images/search', image('image.view')],
  ['POST', '/images/prune', admin(PRUNE)],
  ['GET', '/images/{name}/json', image('image.view')],
  ['GET', '/images/{name}/attestations', image('image.view')],
  ['GET', '/images/{name}/history', image('image.view')],
  ['GET', '/images/{name}/get', image('image.view')],
  ['POST', '/images/{name}/push', image('image.push')],
  ['POST', '/images/{name}/tag', image('image.tag')],
  ['DELETE', '/images/{name}', image('image.remove')],
  ['GET', '/distribution/{name}/json', image('image.view')],

  // Networks
  ['GET', '/networks', list('network')],
  ['POST', '/networks/create', create('network', 'network.create')],
  ['POST', '/networks/prune', admin(PRUNE)],
  ['GET', '/networks/{id}', one('network', 'network.view')],
  ['DELETE', '/networks/{id}', one('network', 'network.remove')],
  ['POST', '/networks/{id}/connect', { kind: 'connect', operation: 'network.connect' }],
  ['POST', '/networks/{id}/disconnect', { kind: 'connect', operation: 'network.disconnect' }],

  // Volumes
  ['GET', '/volumes', list('volume')],
  ['POST', '/volumes/create', create('volume', 'volume.create')],
  ['POST', '/volumes/prune', admin(PRUNE)],
  ['GET', '/volumes/{name}', one('volume', 'volume.view')],
  ['PUT', '/volumes/{name}', admin('cluster volumes are managed by administrators')],
  ['DELETE', '/volumes/{name}', one('volume', 'volume.remove')],

  // Swarm
  ['GET', '/swarm', admin(SWARM)],
  ['POST', '/swarm/init', admin(SWARM)],
  ['POST', '/swarm/join', admin(SWARM)],
  ['POST', '/swarm/leave', admin(SWARM)],
  ['POST', '/swarm/update', admin(SWARM)],
  ['GET', '/swarm/unlockkey', admin(SWARM)],
  ['POST', '/swarm/unlock', admin(SWARM)],
  ['GET', '/nodes', list('node')],
  ['GET', '/nodes/{id}', one('node', 'node.view')],
  ['POST', '/nodes/{id}/update', update('node', 'node.update')],
  ['DELETE', '/nodes/{id}', one('node', 'node.remove')],
  ['GET', '/services', list('service')],
  ['POST', '/services/create', create('service', 'service.create')],
  ['GET', '/services/{id}', one('service', 'service.view')],
  ['POST', '/services/{id}/update', update('service', 'service.update')],
  ['DELETE', '/services/{id}', one('service', 'service.remove')],
  ['GET', '/services/{id}/logs', one('service', 'service.logs')],
  ['GET', '/tasks', list('task')],
  ['GET', '/tasks/{id}', one('task', 'task.view')],
  ['GET', '/tasks/{id}/logs', one('task', 'task.logs')],
  ['GET', '/secrets', list('secret')],
  ['POST', '/secrets/create', create('secret', 'secret.create')],
  ['GET', '/secrets/{id}', one('secret', 'secret.view')],
  ['POST', '/secrets/{id}/update', update('secret', 'secret.update')],
  ['DELETE', '/secrets/{id}', one('secret', 'secret.remove')],
  ['GET', '/configs', list('config')],
  ['POST', '/configs/create', create('config', 'config.create')],
  ['GET', '/configs/{id}', one('config', 'config.view')],
  ['POST', '/configs/{id}/update', update('config', 'config.update')],
  ['DELETE', '/configs/{id}', one('config', 'config.remove')],

  // Plugins
  ['GET', '/plugins', admin(PLUGINS)],
  ['GET', '/plugins/privileges', admin(PLUGINS)],
  ['POST', '/plugins/pull', admin(PLUGINS)],
  ['POST', '/plugins/create', admin(PLUGINS)],
  ['GET', '/plugins/{name}/json', admin(PLUGINS)],
  ['DELETE', '/plugins/{name}', admin(PLUGINS)],
  ['POST', '/plugins/{name}/enable', admin(PLUGINS)],
  ['POST', '/plugins/{name}/disable', admin(PLUGINS)],
  ['POST', '/plugins/{name}/upgrade', admin(PLUGINS)],
  ['POST', '/plugins/{name}/push', admin(PLUGINS)],
  ['POST', '/plugins/{name}/set', admin(PLUGINS)],
];

export const ENGINE_ENDPOINTS: readonly EngineEndpoint[] = table.map(([method, path, rule]) => ({
  method,
  path,
  rule,
}));
