/**
 * `stevedore up`: bring up a single-node Stevedore on this machine, or resume one from its data dir.
 * Steps, each reported as it happens: make sure a Docker Engine answers (installing and starting Debian's
 * docker.io when needed), make it a Swarm manager, open the Store, start the registry and the controller,
 * create the first administrator on a fresh data dir. Ctrl-C (SIGINT) or SIGTERM stops cleanly.
 *
 * Human progress goes to stdout; structured (JSON) logs go to stderr. The generated admin password is
 * printed once to stdout and never logged.
 */
import { mkdir } from 'node:fs/promises';
import { homedir, hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig, type Config } from '@stevedore/config';
import { startControlPlane } from '@stevedore/controller';
import { ensureDockerEngine, ensureSwarmManager, nodeAddresses, trustRegistryCa } from '@stevedore/host';
import { Jobs } from '@stevedore/jobs';
import { openStore } from '@stevedore/store';
import { configFileOf } from '../global-options.js';
import { VERSION } from '../version.js';
import { startPlatformRegistry } from './platform-registry.js';
import { engineProxyPortOf } from './agent.js';
import { startManagerAgent } from './up-agent.js';

interface UpFlags {
  dataDir?: string;
  listen?: string;
  registryListen?: string;
  dockerHost?: string;
  store?: string;
  etcdEndpoints?: string;
  san?: string[];
  advertiseAddr?: string;
  engineProxyPort?: string;
}

const say = (line: string) => process.stdout.write(`stevedore up: ${line}\n`);

async function configFor(command: Command, flags: UpFlags): Promise<Config> {
  // Not root and no data dir chosen: keep state in the home directory rather than fail on /var/lib.
  const dataDir =
    flags.dataDir !== undefined
      ? resolve(flags.dataDir)
      : process.getuid?.() !== 0 && process.env['STEVEDORE_DATA_DIR'] === undefined
        ? join(homedir(), '.stevedore')
        : undefined;
  return loadConfig({
    file: configFileOf(command),
    flags: [
      { path: 'dataDir', value: dataDir, flag: '--data-dir' },
      { path: 'controller.listen', value: flags.listen, flag: '--listen' },
      { path: 'controller.sans', value: flags.san?.length ? flags.san : undefined, flag: '--san' },
      { path: 'registry.listen', value: flags.registryListen, flag: '--registry-listen' },
      { path: 'store.kind', value: flags.store, flag: '--store' },
      {
        path: 'store.etcdEndpoints',
        value: flags.etcdEndpoints
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        flag: '--etcd-endpoints',
      },
    ],
  });
}

function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

async function up(flags: UpFlags, command: Command): Promise<void> {
  const config = await configFor(command, flags);
  const engineProxyPort = engineProxyPortOf(flags.engineProxyPort);
  const logger = pino({ level: config.log.level }, pino.destination(2));
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  const engine = await ensureDockerEngine({
    ...(flags.dockerHost !== undefined ? { dockerHost: flags.dockerHost } : {}),
    logDir: config.dataDir,
    progress: say,
  });
  const version = await engine.version();
  say(`Docker Engine ${version.Version} (API ${version.ApiVersion}) at ${engine.dockerHost}`);
  const swarm = await ensureSwarmManager(engine, {
    ...(flags.advertiseAddr !== undefined ? { advertiseAddr: flags.advertiseAddr } : {}),
    progress: say,
  });
  say(
    `Swarm mode: ${swarm.initialised ? 'initialised' : 'already on'}; this node (${swarm.nodeId}) is a manager`,
  );

  const store = await openStore({
    kind: config.store.kind,
    path: join(config.dataDir, 'store.db'),
    endpoints: config.store.etcdEndpoints,
  });
  say(
    `store: ${config.store.kind === 'etcd' ? `etcd at ${config.store.etcdEndpoints.join(', ')}` : join(config.dataDir, 'store.db')}`,
  );

  const closers: (() => Promise<void>)[] = [() => store.close()];
  const stopAll = async () => {
    for (const close of closers.reverse())
      await close().catch((err: unknown) => logger.error({ err }, 'stop failed'));
  };
  try {
    // One set of jobs for the process: the registry and the controller define their kinds and schedules on
    // it, and one runner takes the cluster's due jobs (the last thing started, the first stopped).
    const jobs = new Jobs(store, { onError: (err: unknown) => logger.warn({ err }, 'job failed') });
    closers.push(() => jobs.close());
    const { host, port } = splitHostPort(config.controller.listen);
    const adminPassword = process.env['STEVEDORE_ADMIN_PASSWORD'];
    // The controller first: it holds the cluster CA, the server certificate the registry serves too, and
    // the token service the registry's challenges send clients to.
    const plane = await startControlPlane({
      store,
      jobs,
      dataDir: config.dataDir,
      host,
      port,
      // The node's own addresses too: the registry shares this certificate and is reached by them.
      sans: [
        ...config.controller.sans,
        ...nodeAddresses(networkInterfaces()),
        ...(flags.advertiseAddr !== undefined ? [flags.advertiseAddr] : []),
      ],
      logger,
      version: VERSION,
      ...(adminPassword ? { adminPassword } : {}),
      clientBundleLifetimeDays: config.controller.clientBundleLifetimeDays,
      dockerHost: engine.dockerHost,
      identity: {
        sessions: {
          lifetimeMinutes: config.controller.sessionLifetimeMinutes,
          renewalThresholdMinutes: config.controller.sessionRenewalThresholdMinutes,
          perUserLimit: config.controller.maxSessionsPerUser,
        },
      },
    });
    closers.push(() => plane.close());
    const registry = await startPlatformRegistry({ config, store, jobs, plane, logger });
    closers.push(() => registry.close());
    const trusted = registry.tls
      ? await trustRegistryCa({
          certsDir: config.registry.engineCertsDir,
          hosts: registry.names,
          port: registry.port,
          caPem: plane.clusterCaPem,
        })
      : [];
    if (trusted.length > 0)
      say(
        `the local engine trusts the registry: wrote the cluster CA to ${trusted.length} entries in ${config.registry.engineCertsDir}`,
      );
    const runner = jobs.startRunner();
    closers.push(() => runner.close());
    closers.push(
      await startManagerAgent({
        dataDir: config.dataDir,
        engine,
        plane,
        registryPort: registry.tls ? registry.port : undefined,
        engineProxyPort,
        logger,
        say,
      }),
    );

    const controllerUrl = ['0.0.0.0', '::'].includes(host)
      ? `https://${hostname()}:${plane.port}`
      : plane.url;
    const caFile = join(config.dataDir, 'pki', 'cluster-root-ca.pem');
    const lines = [
      'Stevedore is running.',
      `  Controller:  ${controllerUrl}   (REST API at /api/v1, OpenAPI at /api/openapi.json)`,
      `  Dashboard:   ${controllerUrl}/`,
      `  Docker API:  the same address with a client bundle (GET /api/clientbundle), proxied to ${engine.dockerHost}`,
      `  Registry:    ${registry.publicUrl}   (${registry.describe}; docker login ${registry.loginHost})`,
      `  Cluster CA:  SHA-256 ${plane.clusterCaFingerprint}`,
      `               curl --cacert ${caFile} ${plane.url}/_ping`,
    ];
    if (plane.firstAdmin) {
      lines.push(
        plane.firstAdmin.generated
          ? `  First admin: ${plane.firstAdmin.username} / ${plane.firstAdmin.password}   (shown once: change it with PUT /api/v1/me/password)`
          : `  First admin: ${plane.firstAdmin.username}, with the password from STEVEDORE_ADMIN_PASSWORD`,
      );
    }
    lines.push('Press Ctrl-C to stop.');
    process.stdout.write(lines.join('\n') + '\n');
  } catch (err) {
    await stopAll();
    throw err;
  }

  const stop = (signal: string): void => {
    say(`${signal}: stopping`);
    void stopAll().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export function upCommand(): Command {
  return new Command('up')
    .description(
      'start Stevedore on this machine (or resume it from its data dir): engine, Swarm, registry, controller',
    )
    .option(
      '--data-dir <dir>',
      'where state lives (default /var/lib/stevedore as root, ~/.stevedore otherwise)',
    )
    .option('--listen <host:port>', 'controller address (controller.listen, default 0.0.0.0:8443)')
    .option(
      '--registry-listen <host:port>',
      'registry address (registry.listen, default 0.0.0.0:5443: TLS from the cluster CA, token auth)',
    )
    .option(
      '--docker-host <url>',
      'use this engine, e.g. unix:///run/other.sock, instead of the machine default',
    )
    .option('--advertise-addr <ip>', 'address other nodes reach this one at, when Swarm mode is initialised')
    .option(
      '--engine-proxy-port <port>',
      "where this node's agent serves the engine to controllers over mTLS (default 12376)",
    )
    .option('--store <kind>', 'sqlite (default, one node) or etcd (HA)')
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs, with --store etcd')
    .option(
      '--san <name>',
      'extra DNS name or IP for the controller certificate (repeatable)',
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .action(up);
}
