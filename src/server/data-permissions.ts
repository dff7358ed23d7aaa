/** Warns when the folders that hold the database or the keyring let other users in. */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { databaseFile } from '../storage/database-location';

/** One line per folder that group or others may read or enter. */
export function openDataFolders(config: Config): string[] {
  const folders = new Set<string>([path.dirname(path.resolve(config.keyringFile))]);
  const file = databaseFile(config.db);
  if (file !== undefined) folders.add(path.dirname(file));
  const warnings: string[] = [];
  for (const folder of folders) {
    let mode: number;
    try {
      mode = fs.statSync(folder).mode & 0o777;
    } catch {
      continue;
    }
    if (mode & 0o077) {
      warnings.push(
        `${folder} is open to other users (mode ${mode.toString(8).padStart(4, '0')}): it holds secrets' keys or data; chmod 700 it`,
      );
    }
  }
  return warnings;
}
