/** Minted tokens and revocations in memory. */
import type { AuditEventInput } from '../../audit/audit-event';
import type { KeyRange } from '../../secrets/listing-ranges';
import {
  REVOCATION_GRACE_MS,
  type IssuedPosition,
  type IssuedToken,
  type NewRevocation,
  type Revocation,
  type TokenStorage,
} from '../../tokens/token-storage';

function byPosition(a: IssuedPosition, b: IssuedPosition): number {
  if (a.subject !== b.subject) return a.subject < b.subject ? -1 : 1;
  return a.jti < b.jti ? -1 : a.jti > b.jti ? 1 : 0;
}
import type { MemoryAudit } from './memory-audit';

export class MemoryTokens implements TokenStorage {
  private readonly issued = new Map<string, IssuedToken>();
  private readonly revocations = new Map<string, NewRevocation>();

  constructor(private readonly audit: Pick<MemoryAudit, 'stage'>) {}

  async recordIssued(token: IssuedToken, events: readonly AuditEventInput[]): Promise<void> {
    if (this.issued.has(token.jti)) throw new Error(`a token with jti ${token.jti} was recorded already`);
    this.issued.set(token.jti, token);
    this.audit.stage(events);
  }

  async revoke(revocation: NewRevocation, events: readonly AuditEventInput[]): Promise<void> {
    if (!this.revocations.has(revocation.jti)) this.revocations.set(revocation.jti, revocation);
    this.audit.stage(events);
  }

  /** Every recorded token, for the signing keys' counts. */
  allIssued(): Iterable<IssuedToken> {
    return this.issued.values();
  }

  async findIssued(jti: string): Promise<IssuedToken | undefined> {
    return this.issued.get(jti);
  }

  async listIssued(range: KeyRange, after: IssuedPosition | undefined, now: number, limit: number): Promise<IssuedToken[]> {
    return [...this.issued.values()]
      .filter(
        (token) =>
          token.subject >= range.from &&
          token.subject < range.to &&
          token.expiresAt > now &&
          (after === undefined || byPosition(token, after) > 0),
      )
      .sort(byPosition)
      .slice(0, limit);
  }

  async revocationsInForce(now: number, afterJti: string | undefined, limit: number): Promise<Revocation[]> {
    return [...this.revocations.values()]
      .filter((r) => (r.expiresAt === null || r.expiresAt > now - REVOCATION_GRACE_MS) && (afterJti === undefined || r.jti > afterJti))
      .sort((a, b) => (a.jti < b.jti ? -1 : 1))
      .slice(0, limit)
      .map(({ jti, expiresAt }) => ({ jti, expiresAt }));
  }

  async revokedSince(since: number): Promise<Revocation[]> {
    return [...this.revocations.values()].filter((r) => r.revokedAt >= since).map(({ jti, expiresAt }) => ({ jti, expiresAt }));
  }

  async purgeExpired(now: number, limit: number): Promise<number> {
    const unusable = (expiresAt: number | null) => expiresAt !== null && expiresAt <= now - REVOCATION_GRACE_MS;
    let purged = 0;
    for (const table of [this.revocations, this.issued]) {
      const doomed = [...table.values()].filter((row) => unusable(row.expiresAt)).slice(0, limit);
      for (const row of doomed) table.delete(row.jti);
      purged += doomed.length;
    }
    return purged;
  }
}
