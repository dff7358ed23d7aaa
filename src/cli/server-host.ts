/**
 * The commands that run on the server host open the installation serve
 * made, and refuse (one line, exit 1) when it is not there, creating
 * nothing: run in the wrong folder, they would otherwise act on an empty
 * database beside the real one.
 */
import { loadConfig, type Config } from '../config';
import type { StorageDeps } from '../deps';

export const SERVER_HOST_NOTE = "runs on the server host, with serve's environment (SECRETS_DB, SECRETS_KEYRING_FILE) or in its folder";

export async function withInstallation<T>(
  needs: { keyring: boolean },
  work: (storage: StorageDeps, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig(process.env);
  const { requireDatabaseFile, requireKeyringFile, requireMigratedDatabase } = await import('./installation');
  requireDatabaseFile(config.db);
  if (needs.keyring) requireKeyringFile(config);
  const { createStorage } = await import('../deps');
  const storage = createStorage(config);
  try {
    await requireMigratedDatabase(config.db, storage.knex);
    return await work(storage, config);
  } finally {
    await storage.close();
  }
}
