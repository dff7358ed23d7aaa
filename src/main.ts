#!/usr/bin/env node
/** The `scoped-secrets` executable: parse the command line, dispatch. */
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './cli/commands/audit-commands';
import { addClientFlags } from './cli/client-flags';
import { registerClientCommands } from './cli/commands/client-commands';
import { registerCompletionCommand } from './cli/commands/completion-command';
import { EXIT_USAGE, failAndExit } from './cli/exit';
import { registerExportCommand } from './cli/commands/export-command';
import { registerKeysCommands } from './cli/commands/keys-commands';
import { registerProxyCommand } from './cli/commands/proxy-command';
import { registerRunCommand } from './cli/commands/run-command';
import { registerServerCommands } from './cli/commands/server-commands';
import { registerTokenCommands } from './cli/commands/token-commands';
import { registerTrustCommands } from './cli/commands/trust-commands';
import { oneLineUsageErrors } from './cli/usage-errors';
import { registerVersionCommand } from './cli/commands/version-command';
import { registerWrapCommands } from './cli/commands/wrap-commands';

// `scoped-secrets list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = addClientFlags(new Command('scoped-secrets'))
  .description('a secrets service with scoped bearer tokens and envelope encryption')
  .exitOverride()
  .enablePositionalOptions();

registerVersionCommand(program);
registerServerCommands(program);
registerTokenCommands(program);
registerTrustCommands(program);
registerClientCommands(program);
registerExportCommand(program);
registerWrapCommands(program);
registerRunCommand(program);
registerProxyCommand(program);
registerKeysCommands(program);
registerAuditCommands(program);
registerCompletionCommand(program);
oneLineUsageErrors(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
  failAndExit(error);
});
