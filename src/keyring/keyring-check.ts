/**
 * serve refuses to start on a keyring that cannot open what the database
 * holds: a missing keyring beside a database of secrets, or one without a
 * key that stored versions were wrapped with. Starting anyway would create
 * a fresh keyring and answer every read with an error.
 */
import fs from 'node:fs';
import type { Config } from '../config';
import { KeyringError, readKeyringFile } from './keyring-file';
import { databaseFileExists } from '../storage/database-location';
import { openStorageAdmin } from '../storage/open-storage';

async function keyIdsInUse(config: Config): Promise<Map<string, number>> {
  if (!databaseFileExists(config.db)) return new Map();
  const storage = openStorageAdmin(config.db);
  try {
    if (!(await storage.hasOurTables())) return new Map();
    return await storage.keyRotation.countByKeyId();
  } finally {
    await storage.close();
  }
}

function versions(count: number): string {
  return `${count} secret version${count === 1 ? '' : 's'}`;
}

export async function checkKeyringAgainstDatabase(config: Config): Promise<void> {
  const inUse = await keyIdsInUse(config);
  if (inUse.size === 0) return;
  const file = config.keyringFile;
  if (!fs.existsSync(file)) {
    const total = [...inUse.values()].reduce((sum, count) => sum + count, 0);
    throw new KeyringError(
      `the keyring ${file} is missing, but the database holds ${versions(total)} wrapped by it: restore it, or point SECRETS_KEYRING_FILE at it`,
    );
  }
  const known = new Set(readKeyringFile(file).keys.keys());
  const missing = [...inUse].filter(([id]) => !known.has(id));
  if (missing.length > 0) {
    const count = missing.reduce((sum, [, n]) => sum + n, 0);
    const ids = missing.map(([id]) => id).join(', ');
    throw new KeyringError(
      `the keyring ${file} lacks ${ids}, which ${versions(count)} in the database use: is SECRETS_KEYRING_FILE the right file?`,
    );
  }
}
