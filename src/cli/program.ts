/**
 * The command line, assembled: the full executable (main.ts) has every
 * command; the client the server hands out (client-main.ts) has those that
 * go through the API. The commands that open the database or the keyring
 * come in through `ServerHostCommands`, so that the client's bundle never
 * holds them.
 */
import { Command, CommanderError } from 'commander';
import { addClientFlags } from './client-flags';
import { registerAuditCommands } from './commands/audit-commands';
import { registerClientCommands } from './commands/client-commands';
import { registerCompletionCommand } from './commands/completion-command';
import { registerExportCommand } from './commands/export-command';
import { registerInjectCommand } from './commands/inject-command';
import { registerLeaseCommands } from './commands/lease-commands';
import { registerProxyCommand } from './commands/proxy-command';
import { registerRunCommand } from './commands/run-command';
import { registerTokenCommands } from './commands/token-commands';
import { registerTrustCommands } from './commands/trust-commands';
import { registerVersionCommand } from './commands/version-command';
import { registerWrapCommands } from './commands/wrap-commands';
import { EXIT_USAGE, failAndExit } from './exit';
import { oneLineUsageErrors } from './usage-errors';

/** The commands that run on the server host, each added where it belongs among the others. */
export interface ServerHostCommands {
  /** serve, migrate, sweep. */
  readonly server: (program: Command) => void;
  /** token create. */
  readonly token: (token: Command) => void;
  /** keys (and keys seal). */
  readonly keys: (program: Command) => void;
  /** audit verify. */
  readonly audit: (audit: Command) => void;
}

export function createProgram(serverHost?: ServerHostCommands): Command {
  const program = addClientFlags(new Command('scoped-secrets'))
    .description('a secrets service with scoped bearer tokens and envelope encryption')
    .exitOverride()
    .enablePositionalOptions();
  registerVersionCommand(program, { serverHost: serverHost !== undefined });
  serverHost?.server(program);
  registerTokenCommands(program, serverHost?.token);
  registerTrustCommands(program);
  registerClientCommands(program);
  registerExportCommand(program);
  registerInjectCommand(program);
  registerWrapCommands(program);
  registerLeaseCommands(program);
  registerRunCommand(program);
  registerProxyCommand(program);
  serverHost?.keys(program);
  registerAuditCommands(program, serverHost?.audit);
  registerCompletionCommand(program);
  oneLineUsageErrors(program);
  return program;
}

export function runProgram(program: Command): void {
  // `scoped-secrets list | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  program.parseAsync(process.argv).catch((error: unknown) => {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    failAndExit(error);
  });
}
