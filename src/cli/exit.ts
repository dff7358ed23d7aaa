/** How a command ends on failure: one clear line on stderr, no stack trace. */
import { ClientConfigError } from './client/secrets-client';
import { ConfigError } from '../config';
import { KeyringError } from '../keyring/local-keyring';
import { MissingInstallation } from './installation';

export const EXIT_USAGE = 1;
export const EXIT_FAILURE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

export function failAndExit(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  const usage =
    error instanceof ConfigError ||
    error instanceof KeyringError ||
    error instanceof ClientConfigError ||
    error instanceof MissingInstallation;
  const exitCode = error instanceof CliError ? error.exitCode : usage ? EXIT_USAGE : EXIT_FAILURE;
  process.stderr.write(`scoped-secrets: ${message.split('\n')[0]}\n`);
  process.exit(exitCode);
}
