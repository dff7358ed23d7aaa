/**
 * The commands that run on the server host open the installation serve
 * made, and refuse (one line, exit 1) when it is not there, creating
 * nothing: run in the wrong folder, they would otherwise act on an empty
 * database beside the real one.
 */
import { loadConfig, type Config } from '../config';
import type { StorageAdmin } from '../storage/storage-admin';

export const SERVER_HOST_NOTE = "runs on the server host, with serve's environment (SECRETS_DB, SECRETS_KEYRING_FILE) or in its folder";

export async function withInstallation<T>(
  needs: { keyring: boolean },
  work: (storage: StorageAdmin, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig(process.env);
  const { requireDatabaseFile, requireKeyringFile, requireMigratedDatabase } = await import('./installation.js');
  requireDatabaseFile(config.db);
  if (needs.keyring) requireKeyringFile(config);
  const { openStorageAdmin } = await import('../storage/open-storage.js');
  const storage = openStorageAdmin(config.db);
  try {
    await requireMigratedDatabase(config.db, storage);
    return await work(storage, config);
  } finally {
    await storage.close();
  }
}
