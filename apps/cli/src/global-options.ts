import type { Command } from 'commander';

/** The config file from the global `--config` flag or STEVEDORE_CONFIG, if any. */
export function configFileOf(command: Command): string | undefined {
  const globals = command.optsWithGlobals<{ config?: string }>();
  return globals.config ?? process.env['STEVEDORE_CONFIG'];
}
