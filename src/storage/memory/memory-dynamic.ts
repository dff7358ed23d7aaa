/** Dynamic backends and leases in memory: one process, so a claim needs no lock, only the same checks as the databases. */
import { randomBytes } from 'node:crypto';
import type { AuditEventInput } from '../../audit/audit-event';
import type { EncryptedValue } from '../../crypto/envelope';
import type {
  BackendRecord,
  ClaimedLease,
  DynamicStorage,
  LeaseRecord,
  LeaseTarget,
  MarkEvents,
  RevokeReason,
} from '../../dynamic/dynamic-storage';
import type { MemoryAudit } from './memory-audit';

const under = (key: string, prefix: string) => prefix === '' || key === prefix || key.startsWith(`${prefix}/`);
const byBackendThenId = (a: LeaseRecord, b: LeaseRecord) =>
  a.backendKey < b.backendKey ? -1 : a.backendKey > b.backendKey ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

export class MemoryDynamic implements DynamicStorage {
  private readonly backends = new Map<string, BackendRecord>();
  private readonly leases = new Map<string, LeaseRecord & { claim?: string }>();

  constructor(private readonly audit: Pick<MemoryAudit, 'stage'>) {}

  /** What key rotation reaches into: each backend's sealed password, and each lease's sealed revocation data. */
  sealedPasswords(): Array<{ key: string; encrypted: EncryptedValue }> {
    return [...this.backends.values()].map((backend) => ({ key: backend.key, encrypted: backend.encrypted }));
  }

  replaceSealedPassword(key: string, previousKeyId: string, encrypted: EncryptedValue): void {
    const backend = this.backends.get(key);
    if (backend?.encrypted.keyId === previousKeyId) this.backends.set(key, { ...backend, encrypted });
  }

  sealedLeases(): EncryptedValue[] {
    return [...this.leases.values()].map((lease) => lease.encrypted);
  }

  async putBackend(record: BackendRecord, events: readonly AuditEventInput[]): Promise<boolean> {
    const existing = this.backends.get(record.key);
    this.backends.set(record.key, existing ? { ...record, createdAt: existing.createdAt } : record);
    this.audit.stage(events.map((event) => ({ ...event, outcome: existing ? 200 : 201 })));
    return !existing;
  }

  async findBackend(key: string): Promise<BackendRecord | undefined> {
    return this.backends.get(key);
  }

  async deleteBackend(key: string, events: readonly AuditEventInput[]): Promise<'deleted' | 'absent' | 'leased'> {
    if (!this.backends.has(key)) return 'absent';
    if ([...this.leases.values()].some((lease) => lease.backendKey === key)) return 'leased';
    this.backends.delete(key);
    this.audit.stage(events);
    return 'deleted';
  }

  async listBackends(prefix: string, limit: number): Promise<BackendRecord[]> {
    return [...this.backends.values()]
      .filter((backend) => under(backend.key, prefix))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }

  async createLease(lease: LeaseRecord, events: readonly AuditEventInput[]): Promise<void> {
    this.leases.set(lease.id, lease);
    this.audit.stage(events);
  }

  async findLease(id: string): Promise<LeaseRecord | undefined> {
    return this.leases.get(id);
  }

  async listLeases(prefix: string, after: { backendKey: string; id: string } | undefined, limit: number): Promise<LeaseRecord[]> {
    return [...this.leases.values()]
      .filter((lease) => under(lease.backendKey, prefix))
      .filter((lease) => !after || byBackendThenId(lease, { ...lease, backendKey: after.backendKey, id: after.id }) > 0)
      .sort(byBackendThenId)
      .slice(0, limit);
  }

  async renewLease(id: string, expiresAt: number, now: number, events: readonly AuditEventInput[]): Promise<boolean> {
    const lease = this.leases.get(id);
    if (!lease || lease.revokeReason !== null || lease.expiresAt <= now) return false;
    this.leases.set(id, { ...lease, expiresAt, revokeAt: expiresAt });
    this.audit.stage(events);
    return true;
  }

  async markRevoked(
    target: LeaseTarget,
    reason: RevokeReason,
    now: number,
    events: MarkEvents,
    may: (lease: LeaseRecord) => boolean = () => true,
  ): Promise<LeaseRecord[]> {
    const marked: LeaseRecord[] = [];
    for (const lease of this.leases.values()) {
      if (lease.revokeReason !== null || lease.expiresAt <= now) continue;
      const hit =
        'id' in target
          ? lease.id === target.id
          : 'prefix' in target
            ? under(lease.backendKey, target.prefix)
            : lease.tokenChain.includes(target.jti);
      if (!hit || !may(lease)) continue;
      const updated = { ...lease, revokeReason: reason, revokeAt: now };
      this.leases.set(lease.id, updated);
      marked.push(updated);
    }
    this.audit.stage(marked.flatMap(events));
    return marked;
  }

  async claimDue(now: number, holdMs: number, limit: number, only?: { id: string }): Promise<ClaimedLease[]> {
    const claim = randomBytes(12).toString('base64url');
    const due = [...this.leases.values()]
      .filter((lease) => lease.revokeAt <= now && (!only || lease.id === only.id))
      .sort((a, b) => a.revokeAt - b.revokeAt)
      .slice(0, limit);
    return due.map((lease) => {
      const claimed = { ...lease, claim, revokeAt: now + holdMs };
      this.leases.set(lease.id, claimed);
      return claimed;
    });
  }

  async finishRevocation(lease: ClaimedLease, events: readonly AuditEventInput[]): Promise<boolean> {
    if (this.leases.get(lease.id)?.claim !== lease.claim) return false;
    this.leases.delete(lease.id);
    this.audit.stage(events);
    return true;
  }

  async failRevocation(lease: ClaimedLease, retryAt: number, error: string, events: readonly AuditEventInput[]): Promise<void> {
    const current = this.leases.get(lease.id);
    if (current?.claim !== lease.claim) return;
    this.leases.set(lease.id, { ...current, claim: undefined, revokeAt: retryAt, attempts: lease.attempts + 1, lastError: error });
    this.audit.stage(events);
  }
}
