/** `stevedore config`: show the effective configuration and the keys that can be set. */
import { Command } from 'commander';
import { stringify } from 'yaml';
import { CONFIG_KEYS, loadConfig } from '@stevedore/config';
import { configFileOf } from '../global-options.js';

export function configCommand(): Command {
  const cmd = new Command('config').description('inspect configuration');
  cmd
    .command('show')
    .description('validate and print the effective configuration (defaults < file < STEVEDORE_* < flags)')
    .action(async (_opts: unknown, command: Command) => {
      const config = await loadConfig({ file: configFileOf(command) });
      process.stdout.write(stringify(config));
    });
  cmd
    .command('keys')
    .description('list every configuration key with its environment variable, default and meaning')
    .action(() => {
      for (const key of CONFIG_KEYS) {
        const def = key.default === undefined ? '(none)' : JSON.stringify(key.default);
        process.stdout.write(`${key.path}\n  env: ${key.env}\n  default: ${def}\n  ${key.description}\n\n`);
      }
    });
  return cmd;
}
