/**
 * The versioned configuration schema (version 1). Every key has a default that a single-node install can
 * run with, and a description; docs/configuration.md lists them and a test keeps the two in step.
 *
 * Layers, later wins: defaults < YAML file < STEVEDORE_* environment < command-line flags.
 */
import { z } from 'zod';

export const CONFIG_VERSION = 1;

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

const hostPort = z.string().refine((s) => {
  const match = HOST_PORT.exec(s);
  const port = Number(match?.[2]);
  return match !== null && port >= 1 && port <= 65535;
}, 'expected HOST:PORT with a port from 1 to 65535, for example 127.0.0.1:5443 or [::1]:5443');

const absolutePath = z.string().regex(/^\//, 'expected an absolute path, for example /var/lib/stevedore');

export const logSchema = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Lowest level written to the structured (JSON) log.'),
  })
  .prefault({});

export const storeSchema = z
  .strictObject({
    kind: z
      .enum(['sqlite', 'etcd', 'memory'])
      .default('sqlite')
      .describe(
        'sqlite: one file in the data dir (single node). etcd: an etcd 3.x cluster (HA). memory: tests only.',
      ),
    etcdEndpoints: z
      .array(z.url({ protocol: /^https?$/ }))
      .default([])
      .describe('etcd client URLs, e.g. https://10.0.0.1:2379; required when kind is etcd.'),
  })
  .prefault({});

export const registrySchema = z
  .strictObject({
    listen: hostPort
      .optional()
      .describe(
        'Address the registry listens on. Default: 0.0.0.0:5443 under `up`, 127.0.0.1:5443 for `registry serve`.',
      ),
    auth: z
      .enum(['none', 'token'])
      .optional()
      .describe(
        "token: the control plane's accounts and repository permissions decide (the default under `up`). " +
          'none: no authentication, loopback only unless allowInsecureAuth (the default for `registry serve`).',
      ),
    allowInsecureAuth: z
      .boolean()
      .default(false)
      .describe('Allow auth none on a non-loopback address. Never do this on a shared network.'),
    tlsCert: absolutePath.optional().describe('PEM certificate chain for the registry listener.'),
    tlsKey: absolutePath.optional().describe('PEM private key for the registry listener.'),
    allowPlainHttp: z
      .boolean()
      .default(false)
      .describe('Serve plain HTTP on a non-loopback address when no TLS certificate is given.'),
    maxManifestBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(4 * 1024 * 1024)
      .describe('Largest manifest accepted, in bytes.'),
    engineCertsDir: absolutePath
      .default('/etc/docker/certs.d')
      .describe(
        'Where `up` writes the cluster CA for the local engine (<dir>/<host:port>/ca.crt), so it trusts the registry.',
      ),
  })
  .prefault({});

export const controllerSchema = z
  .strictObject({
    listen: hostPort
      .default('0.0.0.0:8443')
      .describe('Address of the controller (dashboard, API, Docker API).'),
    sans: z
      .array(z.string().min(1))
      .default([])
      .describe('Extra DNS names or IPs for the server certificate.'),
    sessionLifetimeMinutes: z
      .number()
      .int()
      .min(5)
      .max(60 * 24 * 365)
      .default(4320)
      .describe('How long a login session lasts (UCP default: 72 hours).'),
    sessionRenewalThresholdMinutes: z
      .number()
      .int()
      .min(0)
      .default(1440)
      .describe('A session used within this many minutes of its end is extended by a full lifetime.'),
    maxSessionsPerUser: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(5)
      .describe('Concurrent sessions per user; the oldest is ended when another starts.'),
    clientBundleLifetimeDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(90)
      .describe('How long the certificate of a downloaded client bundle is valid, in days.'),
  })
  .prefault({});

export const configSchema = z.strictObject({
  version: z
    .literal(CONFIG_VERSION)
    .default(CONFIG_VERSION)
    .describe('Config schema version; only 1 exists.'),
  dataDir: absolutePath
    .default('/var/lib/stevedore')
    .describe('Where state lives: the SQLite store, blobs, keys. Must be absolute.'),
  log: logSchema,
  store: storeSchema,
  registry: registrySchema,
  controller: controllerSchema,
});

export type Config = z.infer<typeof configSchema>;

/**
 * The registry's address and authentication when the configuration leaves them unset, by command: `up`
 * serves the platform's registry (token auth, every interface, TLS from the cluster CA), `registry serve`
 * a standalone one (no auth, so loopback only).
 */
export function registryDefaults(command: 'up' | 'serve'): { listen: string; auth: 'none' | 'token' } {
  return command === 'up'
    ? { listen: '0.0.0.0:5443', auth: 'token' }
    : { listen: '127.0.0.1:5443', auth: 'none' };
}
