/** The commands of the full executable that run on the server host, beside the database and the keyring. */
import { registerAuditVerifyCommand } from './commands/audit-verify-command';
import { registerKeysCommands } from './commands/keys-commands';
import { registerServerCommands } from './commands/server-commands';
import { registerTokenCreateCommand } from './commands/token-create-command';
import type { ServerHostCommands } from './program';

export const serverHostCommands: ServerHostCommands = {
  server: registerServerCommands,
  token: registerTokenCreateCommand,
  keys: registerKeysCommands,
  audit: registerAuditVerifyCommand,
};
