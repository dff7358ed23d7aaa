/**
 * Which files `inject` wrote, so that it replaces them on the next run and
 * nothing else: a file someone else made, or one edited since, is left
 * alone unless the user says --force. A file is known by where it is and
 * what its inode says (device, inode, size, modification time), never by
 * its content, which holds secrets. The record lives in the user's state
 * directory, $XDG_STATE_HOME/scoped-secrets (~/.local/state by default).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Identity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Enough for every file a user renders; the oldest are forgotten first. */
const MAX_RECORDS = 1000;

function identityOf(stat: fs.Stats): Identity {
  return { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
}

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export function stateFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = env.XDG_STATE_HOME || (env.HOME ? path.join(env.HOME, '.local', 'state') : undefined) || os.homedir() || undefined;
  return base === undefined ? undefined : path.join(base, 'scoped-secrets', 'injected.json');
}

export class InjectedFiles {
  constructor(private readonly file: string | undefined = stateFile()) {}

  private read(): Record<string, Identity> {
    if (this.file === undefined) return {};
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, Identity>) : {};
    } catch {
      return {};
    }
  }

  /** Whether `target` is a regular file that inject wrote and no one has changed since. */
  wrote(target: string, stat: fs.Stats): boolean {
    const recorded = this.read()[path.resolve(target)];
    return stat.isFile() && recorded !== undefined && sameIdentity(recorded, identityOf(stat));
  }

  /** Best effort: without a state directory, the next run asks for --force. */
  record(target: string): void {
    if (this.file === undefined) return;
    try {
      const records = this.read();
      delete records[path.resolve(target)];
      records[path.resolve(target)] = identityOf(fs.statSync(target));
      const kept = Object.fromEntries(Object.entries(records).slice(-MAX_RECORDS));
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const temporary = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, JSON.stringify(kept), { mode: 0o600 });
      fs.renameSync(temporary, this.file);
    } catch {
      // A record that cannot be written costs a --force next time, not this run.
    }
  }
}
