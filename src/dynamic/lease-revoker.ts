/**
 * Revokes leases: when they expire, when revoked by hand, and when a
 * token that drew one (or an ancestor of it) is revoked. A replica claims
 * a batch of due leases in one statement (concurrent claimers, on any
 * replica, get different leases), revokes each at its server, and deletes
 * it with its `lease.revoked` event only while its claim still holds: so
 * each lease is revoked, and audited as revoked, once. A revocation that
 * fails stays pending, with its error, and is retried with backoff; a
 * restart loses nothing, since every step is in the database.
 */
import type { Logger } from 'pino';
import type { AuditEventInput } from '../audit/audit-event';
import type { Actor } from '../audit/audit-storage';
import type { AuditLog } from '../audit/audit-log';
import type { Clock } from '../common/clock';
import { every, type Periodic } from '../common/periodic';
import type { Envelope } from '../crypto/envelope';
import { AppError } from '../errors';
import type { SweepJob } from '../sweeper/sweeper';
import type { Backend } from './backend-kind';
import { BackendUnavailable } from './dynamic-errors';
import type { ClaimedLease, DynamicStorage, LeaseRecord, RevokeReason } from './dynamic-storage';
import { KINDS } from './kinds/all-kinds';
import { leaseUsername } from './revocation-data';

/**
 * Longer than a revocation's calls take (kinds/kind-settings.ts bounds
 * each), so that a claim outlives its attempt; and what a replica that
 * died mid-attempt delays that lease by. Were an attempt to outlast it,
 * another replica would revoke the credential again, which changes
 * nothing: revoking a user already gone succeeds.
 */
const CLAIM_HOLD_MS = 60_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 10 * 60_000;
/** Revocations in flight at once, per batch: a thousand expiring together do not open a thousand connections. */
const PARALLEL = 8;

export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.min(attempts, 20), MAX_RETRY_MS);
}

function revokeEvent(actor: Actor | null, time: number, lease: LeaseRecord, reason: RevokeReason): AuditEventInput {
  const who = actor ?? { subject: null, jti: null, requestId: null, client: null };
  return { ...who, time, action: 'lease.revoke', key: lease.backendKey, outcome: 202, detail: `${lease.id} (${reason})` };
}

export class LeaseRevoker {
  private schedule?: Periodic;
  private running?: Promise<number>;

  constructor(
    private readonly deps: {
      storage: DynamicStorage;
      envelope: Envelope;
      clock: Clock;
      logger: Logger;
      audit: Pick<AuditLog, 'kick'>;
      backend: (key: string) => Promise<Backend>;
      revoked?: (count: number, outcome: 'revoked' | 'failed') => void;
    },
  ) {}

  /** Marks one lease for revocation (by hand, or a draw that may have made its credential); the sweeper does the rest. */
  async markForRevocation(id: string, actor: Actor | null): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.storage.markRevoked({ id }, 'revoked', now, (lease) => [revokeEvent(actor, now, lease, 'revoked')]);
    this.deps.audit.kick();
  }

  /** Marks the lease and revokes it now: true when its credential is gone, false when that is pending. */
  async revokeByHand(lease: LeaseRecord, actor: Actor | null): Promise<boolean> {
    await this.markForRevocation(lease.id, actor);
    const claimed = await this.deps.storage.claimDue(this.deps.clock.now(), CLAIM_HOLD_MS, 1, { id: lease.id });
    const [mine] = claimed;
    // Claimed elsewhere (another replica is at it), or already revoked: not done here.
    if (!mine) return (await this.deps.storage.findLease(lease.id)) === undefined;
    return this.revokeClaimed(mine, new Map());
  }

  /** Marks every live lease under `prefix` that `may` allows and starts revoking them; how many were marked. */
  async revokeUnder(prefix: string, actor: Actor, may: (lease: LeaseRecord) => boolean): Promise<number> {
    const now = this.deps.clock.now();
    const marked = await this.deps.storage.markRevoked(
      { prefix },
      'revoked',
      now,
      (lease) => [revokeEvent(actor, now, lease, 'revoked')],
      may,
    );
    this.deps.audit.kick();
    this.kick();
    return marked.length;
  }

  /** The cascade of a token's revocation: every live lease it, or a token derived from it, drew. */
  async revokeForToken(jti: string, actor: Actor): Promise<number> {
    const now = this.deps.clock.now();
    const marked = await this.deps.storage.markRevoked({ jti }, 'token', now, (lease) => [revokeEvent(actor, now, lease, 'token')]);
    if (marked.length > 0) {
      this.deps.audit.kick();
      this.kick();
    }
    return marked.length;
  }

  /** Revokes what is due now, in the background: a failure is logged and left for the next run. */
  kick(): void {
    void this.runUntilDone().catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not revoke due leases'));
  }

  start(intervalMs: number): void {
    this.schedule = every(
      intervalMs,
      () => this.runUntilDone(),
      (error) => this.deps.logger.error({ err: error }, 'could not revoke due leases'),
    );
  }

  async stop(): Promise<void> {
    await this.schedule?.stop();
    await this.running?.catch(() => undefined);
  }

  /** The sweeper's job: one batch of due leases, each revoked or left pending; how many it worked on. */
  job(): SweepJob {
    return { name: 'leases', purgeBatch: (now, limit) => this.revokeDue(now, limit) };
  }

  /** Batches until one comes back short; a call while a run is under way joins it. */
  private runUntilDone(): Promise<number> {
    this.running ??= (async () => {
      let total = 0;
      for (;;) {
        const count = await this.revokeDue(this.deps.clock.now(), 100);
        total += count;
        if (count < 100) return total;
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async revokeDue(now: number, limit: number): Promise<number> {
    const claimed = await this.deps.storage.claimDue(now, CLAIM_HOLD_MS, limit);
    // A server found down in this batch is not called again for each of its other leases.
    const down = new Map<string, string>();
    const queue = [...claimed];
    const worker = async () => {
      for (let lease = queue.shift(); lease; lease = queue.shift()) await this.revokeClaimed(lease, down);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
    return claimed.length;
  }

  private async revokeClaimed(lease: ClaimedLease, down: Map<string, string>): Promise<boolean> {
    const { storage, envelope, clock, logger, audit } = this.deps;
    const reason = lease.revokeReason ?? 'expired';
    let username: string;
    try {
      username = await leaseUsername(envelope, lease);
      const known = down.get(lease.backendKey);
      if (known !== undefined) throw new BackendUnavailable(known);
      const backend = await this.deps.backend(lease.backendKey);
      await KINDS[backend.settings.kind].revoke(backend, username);
    } catch (error) {
      const app = error instanceof AppError ? error : undefined;
      const message = app?.message ?? 'the revocation failed unexpectedly';
      if (error instanceof BackendUnavailable) down.set(lease.backendKey, message);
      const now = clock.now();
      const retryAt = now + retryDelayMs(lease.attempts);
      // The first failure is audited; the retries are logged and counted, so that an outage does not flood the chain.
      const events: AuditEventInput[] =
        lease.attempts === 0
          ? [
              {
                subject: null,
                jti: null,
                requestId: null,
                client: null,
                time: now,
                action: 'lease.revoke_failed',
                key: lease.backendKey,
                outcome: app?.status ?? 500,
                detail: `${lease.id} (${reason}): ${message}`,
              },
            ]
          : [];
      await storage.failRevocation(lease, retryAt, message, events);
      logger.warn(
        {
          lease: lease.id,
          backend: lease.backendKey,
          attempt: lease.attempts + 1,
          retryInSeconds: Math.round((retryAt - now) / 1000),
          reason: message,
        },
        'could not revoke a lease; it stays pending and is tried again',
      );
      if (!app) logger.error({ err: error, lease: lease.id }, 'unexpected error revoking a lease');
      audit.kick();
      this.deps.revoked?.(1, 'failed');
      return false;
    }
    const now = clock.now();
    const finished = await storage.finishRevocation(lease, [
      {
        subject: null,
        jti: null,
        requestId: null,
        client: null,
        time: now,
        action: 'lease.revoked',
        key: lease.backendKey,
        outcome: 200,
        detail: `${lease.id} (${reason}): user ${username}`,
      },
    ]);
    if (finished) {
      audit.kick();
      this.deps.revoked?.(1, 'revoked');
    }
    return finished;
  }
}
