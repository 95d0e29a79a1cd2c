/**
 * `stevedore registry`: `serve` runs a standalone registry (flags overlay the config, which the registry
 * app turns into a server); `fsck` checks a data dir's blobs, manifests and tags and exits 1 on damage.
 * SIGTERM/SIGINT drain in-flight requests, then exit 0. Both start on the configuration defaults alone
 * (loopback, auth none, SQLite in /var/lib/stevedore), or refuse naming the flag to give.
 */
import { constants, existsSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig, registryDefaults, type Config } from '@stevedore/config';
import { FailedPreconditionError, NotFoundError } from '@stevedore/errors';
import { openStore, type Store } from '@stevedore/store';
import { fsckRegistry, startRegistry } from '@stevedore/registry';
import { configFileOf } from '../global-options.js';

interface ServeFlags {
  listen?: string;
  dataDir?: string;
  auth?: string;
  tlsCert?: string;
  tlsKey?: string;
  allowInsecureAuth?: boolean;
  allowPlainHttp?: boolean;
}

const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(p));

async function configFor(command: Command, flags: ServeFlags): Promise<Config> {
  return loadConfig({
    file: configFileOf(command),
    flags: [
      { path: 'dataDir', value: abs(flags.dataDir), flag: '--data-dir' },
      { path: 'registry.listen', value: flags.listen, flag: '--listen' },
      { path: 'registry.auth', value: flags.auth, flag: '--auth' },
      { path: 'registry.tlsCert', value: abs(flags.tlsCert), flag: '--tls-cert' },
      { path: 'registry.tlsKey', value: abs(flags.tlsKey), flag: '--tls-key' },
      { path: 'registry.allowInsecureAuth', value: flags.allowInsecureAuth, flag: '--allow-insecure-auth' },
      { path: 'registry.allowPlainHttp', value: flags.allowPlainHttp, flag: '--allow-plain-http' },
    ],
  });
}

/** Makes the data dir if missing; refuses, naming --data-dir, one this user cannot write (the default needs root). */
async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await access(dataDir, constants.W_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new FailedPreconditionError(
      `cannot use the data dir ${dataDir} (${reason}): pass --data-dir <dir> (dataDir) with a directory ` +
        'this user can write; the default, /var/lib/stevedore, needs root',
      { cause: err, detail: { field: 'dataDir', dataDir } },
    );
  }
}

function openConfiguredStore(config: Config): Promise<Store> {
  return openStore({
    kind: config.store.kind,
    path: join(config.dataDir, 'store.db'),
    endpoints: config.store.etcdEndpoints,
  });
}

async function serve(flags: ServeFlags, command: Command): Promise<void> {
  const config = await configFor(command, flags);
  const logger = pino({ level: config.log.level }, pino.destination(2));
  const r = config.registry;
  const defaults = registryDefaults('serve');
  const auth = r.auth ?? defaults.auth;
  if (auth === 'token') {
    // Tokens come from the control plane's token service, which `up` runs next to its registry.
    throw new FailedPreconditionError(
      'a standalone registry has no token service: run `stevedore up` for the platform registry with token ' +
        'auth, or serve this one with --auth none (registry.auth: none) on loopback',
      { detail: { field: 'registry.auth' } },
    );
  }
  await prepareDataDir(config.dataDir);
  const store = await openConfiguredStore(config);
  let running;
  try {
    running = await startRegistry({
      listen: r.listen ?? defaults.listen,
      dataDir: config.dataDir,
      store,
      auth,
      allowInsecureAuth: r.allowInsecureAuth,
      allowPlainHttp: r.allowPlainHttp,
      maxManifestBytes: r.maxManifestBytes,
      logger,
      ...(r.tlsCert !== undefined ? { tlsCert: r.tlsCert } : {}),
      ...(r.tlsKey !== undefined ? { tlsKey: r.tlsKey } : {}),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  process.stdout.write(`stevedore registry listening on ${running.url} (data: ${config.dataDir})\n`);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'draining');
    void running
      .close()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function fsckCommand(flags: { dataDir?: string }, command: Command): Promise<void> {
  const config = await configFor(command, { dataDir: flags.dataDir });
  // Opening a missing SQLite store would create an empty one and report it healthy: a mistyped dir must not.
  if (config.store.kind === 'sqlite' && !existsSync(join(config.dataDir, 'store.db'))) {
    throw new NotFoundError(
      `no registry data in ${config.dataDir} (it has no store.db): pass --data-dir <dir> (dataDir) with the ` +
        'directory `stevedore registry serve` uses',
      { detail: { field: 'dataDir', dataDir: config.dataDir } },
    );
  }
  const store = await openConfiguredStore(config);
  try {
    const report = await fsckRegistry(store, config.dataDir);
    const { blobs, repositories, manifests, tags } = report.checked;
    process.stdout.write(
      `checked ${blobs} blobs, ${repositories} repositories, ${manifests} manifests, ${tags} tags\n`,
    );
    for (const problem of report.problems) process.stdout.write(`${problem.kind}: ${problem.message}\n`);
    process.stdout.write(
      report.ok ? 'ok: no problems found\n' : `damaged: ${report.problems.length} problem(s)\n`,
    );
    if (!report.ok) process.exitCode = 1;
  } finally {
    await store.close();
  }
}

export function registryCommand(): Command {
  const cmd = new Command('registry').description('run and check the image registry');
  cmd
    .command('serve')
    .description('serve the OCI Distribution API (standalone registry)')
    .option('--listen <host:port>', 'address to listen on (registry.listen, default 127.0.0.1:5443)')
    .option('--data-dir <dir>', 'where blobs and the store live (dataDir, default /var/lib/stevedore)')
    .option(
      '--auth <mode>',
      "registry.auth: 'none', the only mode of a standalone registry (loopback only unless --allow-insecure-auth); " +
        "token auth is the platform registry's, which `stevedore up` runs",
    )
    .option('--tls-cert <file>', 'PEM certificate chain (registry.tlsCert)')
    .option('--tls-key <file>', 'PEM private key (registry.tlsKey)')
    .option('--allow-insecure-auth', 'allow --auth none on a non-loopback address')
    .option('--allow-plain-http', 'allow plain HTTP on a non-loopback address')
    .action(serve);
  cmd
    .command('fsck')
    .description('check that every manifest, blob and tag is intact; exits 1 on damage')
    .option('--data-dir <dir>', 'the registry data dir (dataDir, default /var/lib/stevedore)')
    .action(fsckCommand);
  return cmd;
}
