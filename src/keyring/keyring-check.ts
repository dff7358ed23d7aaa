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

/** How many values each keyring key wraps: secret versions (and wraps), and token signing keys. */
async function keyIdsInUse(config: Config): Promise<{ versions: Map<string, number>; signing: Map<string, number> }> {
  const none = { versions: new Map<string, number>(), signing: new Map<string, number>() };
  if (!databaseFileExists(config.db)) return none;
  const storage = openStorageAdmin(config.db);
  try {
    if (!(await storage.hasOurTables())) return none;
    const signing = new Map<string, number>();
    if (await storage.isMigrated()) {
      for (const { encrypted } of await storage.keyRotation.wrappedSigningKeys()) {
        signing.set(encrypted.keyId, (signing.get(encrypted.keyId) ?? 0) + 1);
      }
    }
    return { versions: await storage.keyRotation.countByKeyId(), signing };
  } finally {
    await storage.close();
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** "2 secret versions", "1 token signing key", or both. */
function describeUse(ids: readonly string[], inUse: { versions: Map<string, number>; signing: Map<string, number> }): string {
  const sum = (counts: Map<string, number>) => ids.reduce((total, id) => total + (counts.get(id) ?? 0), 0);
  const versions = sum(inUse.versions);
  const signing = sum(inUse.signing);
  const parts = [
    ...(versions > 0 || signing === 0 ? [plural(versions, 'secret version')] : []),
    ...(signing > 0 ? [plural(signing, 'token signing key')] : []),
  ];
  return parts.join(' and ');
}

export async function checkKeyringAgainstDatabase(config: Config): Promise<void> {
  const inUse = await keyIdsInUse(config);
  const ids = [...new Set([...inUse.versions.keys(), ...inUse.signing.keys()])];
  if (ids.length === 0) return;
  const file = config.keyringFile;
  if (!fs.existsSync(file)) {
    throw new KeyringError(
      `the keyring ${file} is missing, but the database holds ${describeUse(ids, inUse)} wrapped by it: restore it, or point SECRETS_KEYRING_FILE at it`,
    );
  }
  const known = new Set(readKeyringFile(file).keys.keys());
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw new KeyringError(
      `the keyring ${file} lacks ${missing.join(', ')}, which ${describeUse(missing, inUse)} in the database use: is SECRETS_KEYRING_FILE the right file?`,
    );
  }
}
