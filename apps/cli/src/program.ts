/** The command tree. Each subcommand lives in its own file under commands/ and only composes packages. */
import { Command } from 'commander';
import { configCommand } from './commands/config.js';
import { agentCommand } from './commands/agent.js';
import { joinCommand } from './commands/join.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';
import { registryCommand } from './commands/registry.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('stevedore')
    .description(
      'Stevedore: a self-hosted container platform (control plane and trusted registry) on the Docker Engine with Swarm mode.',
    )
    .version(VERSION, '-v, --version', 'print the stevedore version')
    .option('-c, --config <file>', 'YAML config file (also STEVEDORE_CONFIG)')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true });
  program.addCommand(upCommand());
  program.addCommand(joinCommand());
  program.addCommand(agentCommand());
  program.addCommand(statusCommand());
  program.addCommand(configCommand());
  program.addCommand(registryCommand());
  return program;
}
