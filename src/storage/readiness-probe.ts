/**
 * Whether this replica can serve, known ahead of time so that /readyz
 * answers at once whatever the database does: a probe runs every second
 * in the background (never two at a time), and a probe still waiting after
 * PROBE_PATIENCE_MS counts as the database being unreachable. On SQLite it
 * also reads the free space of the database's filesystem: with less than
 * LOW_SPACE_BYTES left, writes cannot be trusted to fit, and the replica
 * says so. Each reason turns green again by itself on the next probe that
 * finds it gone.
 */
import fs from 'node:fs';
import path from 'node:path';

export type NotReadyReason = 'database_unreachable' | 'not_migrated' | 'disk_full' | 'writer_down';

export const NOT_READY_REASONS: readonly NotReadyReason[] = ['database_unreachable', 'not_migrated', 'disk_full', 'writer_down'];

export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly NotReadyReason[];
  /** On SQLite, the bytes left on the database's filesystem at the last probe. */
  readonly freeBytes?: number;
}

const PROBE_INTERVAL_MS = 1000;
const PROBE_PATIENCE_MS = 2000;
/** A write needs room for its pages, the WAL's and the audit event's: below this, the disk counts as full. */
export const LOW_SPACE_BYTES = 1_048_576;

export interface ReadinessChecks {
  /** Resolves to whether every migration is applied; rejects or hangs when the database cannot be reached. */
  readonly migrated: () => Promise<boolean>;
  /** False while the SQLite write thread is down. */
  readonly writerHealthy: () => boolean;
  /** The SQLite database file, whose filesystem's free space is watched; none on PostgreSQL. */
  readonly sqliteFile?: string;
}

export class ReadinessProbe {
  private databaseReachable = false;
  private migrated = false;
  private freeBytes?: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(private readonly checks: ReadinessChecks) {}

  /** Probes once, then keeps probing in the background until stopped. */
  async start(): Promise<void> {
    await this.probe();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  current(): Readiness {
    const reasons: NotReadyReason[] = [];
    if (!this.databaseReachable) reasons.push('database_unreachable');
    else if (!this.migrated) reasons.push('not_migrated');
    if (this.freeBytes !== undefined && this.freeBytes < LOW_SPACE_BYTES) reasons.push('disk_full');
    if (!this.checks.writerHealthy()) reasons.push('writer_down');
    return { ready: reasons.length === 0, reasons, ...(this.freeBytes === undefined ? {} : { freeBytes: this.freeBytes }) };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.probe().finally(() => this.schedule());
    }, PROBE_INTERVAL_MS).unref();
  }

  private probe(): Promise<void> {
    this.running = Promise.all([this.probeDatabase(), this.probeSpace()]).then(() => undefined);
    return this.running;
  }

  private async probeDatabase(): Promise<void> {
    // The probe's own answer may take as long as the database's timeouts allow; readiness cannot wait that long.
    const impatient = setTimeout(() => (this.databaseReachable = false), PROBE_PATIENCE_MS);
    try {
      this.migrated = await this.checks.migrated();
      this.databaseReachable = true;
    } catch {
      this.databaseReachable = false;
    } finally {
      clearTimeout(impatient);
    }
  }

  private async probeSpace(): Promise<void> {
    if (this.checks.sqliteFile === undefined) return;
    try {
      const stats = await fs.promises.statfs(path.dirname(this.checks.sqliteFile));
      this.freeBytes = stats.bavail * stats.bsize;
    } catch {
      this.freeBytes = undefined;
    }
  }
}
