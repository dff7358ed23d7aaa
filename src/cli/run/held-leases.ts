/**
 * The leases `run --lease` holds while its command runs: drawn before the
 * command starts, renewed when half of what is left has passed, and
 * revoked when the command exits, whatever its exit. A lease whose
 * renewal fails is left to expire; `run` says so once and goes on, since
 * the command may still finish within it.
 */
import type { DrawnCredential, SecretsClient } from '../client/secrets-client';

/** Renewal never waits longer than this, so that a lease renewed late still has room. */
const MAX_RENEW_WAIT_MS = 10 * 60_000;
const MIN_RENEW_WAIT_MS = 1000;

export class HeldLeases {
  private readonly held: Array<{ key: string; drawn: DrawnCredential; timer?: NodeJS.Timeout }> = [];
  private released = false;

  constructor(
    private readonly client: SecretsClient,
    private readonly warn: (line: string) => void,
  ) {}

  /** Draws one credential per key, in order; on any failure the ones drawn are revoked and the failure thrown. */
  async draw(keys: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const fields = new Map<string, Record<string, string>>();
    try {
      for (const key of keys) {
        const drawn = await this.client.drawCredential(key);
        this.held.push({ key, drawn });
        const { username, password, url } = drawn.credential;
        fields.set(key, { username, password, ...(url === undefined ? {} : { url }) });
      }
    } catch (error) {
      await this.release();
      throw error;
    }
    return fields;
  }

  /** The ids of the leases held, in the order drawn. */
  ids(): string[] {
    return this.held.map((entry) => entry.drawn.lease.id);
  }

  /** Starts renewing each lease while the command runs. */
  keepRenewed(): void {
    for (const entry of this.held) this.schedule(entry);
  }

  /** Revokes every lease held; a failure is reported, never thrown, so that the command's own exit status stands. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const entry of this.held) {
      clearTimeout(entry.timer);
      try {
        const done = await this.client.revokeLease(entry.drawn.lease.id);
        if (!done) this.warn(`the lease of ${entry.key} is being revoked: its server did not answer, and the service retries`);
      } catch (error) {
        this.warn(`could not revoke the lease of ${entry.key} (${(error as Error).message}): it ends at ${entry.drawn.lease.expires}`);
      }
    }
  }

  private schedule(entry: (typeof this.held)[number]): void {
    const left = Date.parse(entry.drawn.lease.expires) - Date.now();
    const wait = Math.min(Math.max(left / 2, MIN_RENEW_WAIT_MS), MAX_RENEW_WAIT_MS);
    if (Date.parse(entry.drawn.lease.renewableUntil) <= Date.parse(entry.drawn.lease.expires)) return;
    entry.timer = setTimeout(() => {
      this.client.renewLease(entry.drawn.lease.id).then(
        (lease) => {
          if (this.released) return;
          entry.drawn = { ...entry.drawn, lease };
          this.schedule(entry);
        },
        (error: Error) =>
          this.warn(`could not renew the lease of ${entry.key} (${error.message}): it ends at ${entry.drawn.lease.expires}`),
      );
    }, wait).unref();
  }
}
