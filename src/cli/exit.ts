/** How a command ends on failure: one clear line on stderr, no stack trace. */
import { ClientConfigError, ClientError } from './client/secrets-client';
import { ConfigError } from '../config';
import { KeyringError } from '../keyring/local-keyring';
import { MissingInstallation } from './installation';

export const EXIT_USAGE = 1;
export const EXIT_FAILURE = 2;
/** What was asked for is not there (404), or no longer (410): apart from a failure, so that a script can tell them apart. */
export const EXIT_NOT_FOUND = 3;

/** Whether the server said that what was asked for does not exist, or has expired. */
export function isNotFound(error: unknown): boolean {
  return error instanceof ClientError && (error.status === 404 || error.status === 410);
}

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
  const exitCode = error instanceof CliError ? error.exitCode : usage ? EXIT_USAGE : isNotFound(error) ? EXIT_NOT_FOUND : EXIT_FAILURE;
  process.stderr.write(`scoped-secrets: ${message.split('\n')[0]}\n`);
  process.exit(exitCode);
}
