/**
 * Writes what `inject` rendered to a file readable by its owner alone
 * (0600). A new file is created exclusively, so a file or link that
 * appears meanwhile is never followed; a file being replaced gets a new
 * file renamed over it, so readers see the old content or the new, and a
 * symbolic link at the path is replaced, not followed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CliError, EXIT_USAGE } from '../exit';
import type { InjectedFiles } from './injected-files';

function writeNew(target: string, text: string): void {
  const fd = fs.openSync(target, 'wx', 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(target, { force: true });
    throw error;
  }
  fs.closeSync(fd);
}

function replace(target: string, text: string): void {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  writeNew(temporary, text);
  try {
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

export function writeOutput(target: string, text: string, options: { force: boolean; injected: InjectedFiles }): void {
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (existing === undefined) writeNew(target, text);
  else if (options.force || options.injected.wrote(target, existing)) replace(target, text);
  else
    throw new CliError(
      `${target} exists and inject did not write it, or it changed since: nothing was written (--force replaces it)`,
      EXIT_USAGE,
    );
  options.injected.record(target);
}
