/**
 * A server's refusal about one key, in words a person can act on: the key
 * named, the current version on a failed --if-version, "already exists"
 * rather than If-None-Match. Anything else keeps the server's own line.
 */
import { ClientError, type SecretsClient } from './client/secrets-client';

export interface KeyContext {
  /** get --version N */
  readonly readVersion?: number;
  /** --if-version N */
  readonly version?: number;
  /** --create-only */
  readonly createOnly?: boolean;
}

/** The key's current version from a metadata listing; undefined when absent or not listable by this token. */
async function currentVersion(client: SecretsClient, key: string): Promise<number | undefined> {
  try {
    const page = await client.listSecrets(key, { limit: 1 });
    const first = page.secrets[0];
    return first?.key === key ? first.version : undefined;
  } catch {
    return undefined;
  }
}

export async function explainKeyFailure(error: unknown, client: SecretsClient, key: string, guard: KeyContext = {}): Promise<never> {
  if (!(error instanceof ClientError)) throw error;
  if (error.code === 'SecretNotFound') {
    const what = guard.readVersion === undefined ? `no secret at ${key}` : `no version ${guard.readVersion} of ${key}`;
    throw new ClientError(what, error.status, error.code);
  }
  if (error.code === 'SecretExpired') throw new ClientError(`${key} has expired`, error.status, error.code);
  if (error.code === 'PreconditionFailed') {
    const version = await currentVersion(client, key);
    if (guard.createOnly) {
      throw new ClientError(`${key} already exists${version === undefined ? '' : ` (version ${version})`}`, error.status, error.code);
    }
    if (guard.version !== undefined) {
      const where = error.message.includes('does not exist')
        ? `no secret at ${key}, so it is not at version ${guard.version}`
        : version === undefined
          ? `${key} is not at version ${guard.version}`
          : `${key} is at version ${version}, not ${guard.version}`;
      throw new ClientError(where, error.status, error.code);
    }
  }
  throw error;
}
