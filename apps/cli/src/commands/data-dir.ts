/** The data dir of `up`, `join`, `agent` and `status`: the flag, else the config (/var/lib/stevedore as root). */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type Config } from '@stevedore/config';
import { configFileOf } from '../global-options.js';

/** Not root and no data dir chosen: state in the home directory rather than a failure on /var/lib. */
export function dataDirFlag(flag: string | undefined): string | undefined {
  if (flag !== undefined) return resolve(flag);
  return process.getuid?.() !== 0 && process.env['STEVEDORE_DATA_DIR'] === undefined
    ? join(homedir(), '.stevedore')
    : undefined;
}

export async function configWithDataDir(command: Command, flag: string | undefined): Promise<Config> {
  return loadConfig({
    file: configFileOf(command),
    flags: [{ path: 'dataDir', value: dataDirFlag(flag), flag: '--data-dir' }],
  });
}

export async function dataDirOf(command: Command, flag: string | undefined): Promise<string> {
  return (await configWithDataDir(command, flag)).dataDir;
}
