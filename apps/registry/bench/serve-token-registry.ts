/**
 * Child-process entry of ./token-registry.ts: `node --import tsx serve-token-registry.ts CONFIG.json`.
 * Prints the registry's URL on a line of its own once it listens; SIGTERM drains and exits.
 */
import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { startRegistry } from '../src/server.js';
import type { TokenRegistryConfig } from './token-registry.js';

const configPath = process.argv[2];
if (configPath === undefined) throw new Error('usage: serve-token-registry.ts CONFIG.json');
const config = JSON.parse(await readFile(configPath, 'utf8')) as TokenRegistryConfig;
const running = await startRegistry({
  listen: config.listen,
  dataDir: config.dataDir,
  logger: pino({ level: 'warn' }),
  auth: 'token',
  token: {
    realm: config.realm,
    service: config.service,
    issuer: config.issuer,
    keys: () => [config.signingCertPem],
  },
});
process.stdout.write(`${running.url}\n`);
process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
