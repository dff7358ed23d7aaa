/**
 * A PostgreSQL cluster of the test's own, in a temporary directory, that
 * the test may stop and start at will (never the shared server).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './databases';
import { closedPort } from './processes';

const BIN = (() => {
  const root = '/usr/lib/postgresql';
  const version = fs.existsSync(root) ? fs.readdirSync(root).sort().pop() : undefined;
  return version ? path.join(root, version, 'bin') : undefined;
})();

/** false, or why no private cluster can be made here (a failure under CI=true). */
export function privatePostgresSkip(): false | string {
  if (!BIN || !fs.existsSync(path.join(BIN, 'initdb'))) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    return 'no postgres user to run a private cluster as';
  }
  return false;
}

export class PrivatePostgres {
  readonly url: string;
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = tempDir('scoped-secrets-pg-');
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', ['postgres', dir]);
    const cluster = new PrivatePostgres(dir, await closedPort());
    cluster.asPostgres('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    cluster.start();
    return cluster;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  private asPostgres(tool: string, args: string[]): void {
    execFileSync('runuser', ['-u', 'postgres', '--', path.join(BIN as string, tool), ...args], { stdio: 'ignore', timeout: 60_000 });
  }

  start(): void {
    this.asPostgres('pg_ctl', [
      '-D',
      this.dataDir,
      '-w',
      '-l',
      path.join(this.dir, 'log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  }

  stop(): void {
    this.asPostgres('pg_ctl', ['-D', this.dataDir, '-w', '-m', 'fast', 'stop']);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // Already stopped.
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
