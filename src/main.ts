#!/usr/bin/env node
/** The `scoped-secrets` executable: parse the command line, dispatch. */
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './cli/audit-commands';
import { registerClientCommands } from './cli/client-commands';
import { registerKeysCommands } from './cli/keys-commands';
import { registerProxyCommand } from './cli/proxy-command';
import { registerRunCommand } from './cli/run-command';
import { registerServerCommands } from './cli/server-commands';
import { registerTokenCommands } from './cli/token-commands';
import { EXIT_USAGE, failAndExit } from './cli/exit';

const program = new Command('scoped-secrets')
  .description('a secrets service with scoped bearer tokens and envelope encryption')
  .exitOverride()
  .enablePositionalOptions()
  .showHelpAfterError();

registerServerCommands(program);
registerTokenCommands(program);
registerClientCommands(program);
registerRunCommand(program);
registerProxyCommand(program);
registerKeysCommands(program);
registerAuditCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
  failAndExit(error);
});
