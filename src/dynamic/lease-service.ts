/**
 * Dynamic secrets: backends written by their configurers, and leases drawn
 * from them. A lease is recorded before its credential is made, so that a
 * crash in between leaves a lease the sweeper revokes rather than a
 * credential nobody knows of; the credential's password is handed to the
 * caller once and never stored. Revocation is LeaseRevoker's.
 */
import type { AuditEventInput } from '../audit/audit-event';
import type { Actor } from '../audit/audit-storage';
import type { AuditLog } from '../audit/audit-log';
import type { Clock } from '../common/clock';
import type { Envelope } from '../crypto/envelope';
import { InvalidRequest } from '../errors';
import type { Principal } from '../tokens/token-verifier';
import type { Backend, BackendSettings } from './backend-kind';
import { checkBackendBody, type BackendBody } from './backend-settings';
import { newCredentialName, newCredentialPassword } from './credential-names';
import { BackendError, BackendHasLeases, BackendNotFound, LeaseNotFound, LeaseNotRenewable } from './dynamic-errors';
import type { BackendRecord, DynamicStorage, LeaseRecord } from './dynamic-storage';
import { KINDS } from './kinds/all-kinds';
import { newLeaseId } from './lease-ids';
import { leaseUsername, sealRevocationData } from './revocation-data';
import type { LeaseRevoker } from './lease-revoker';

export interface DrawnLease {
  readonly lease: LeaseRecord;
  readonly username: string;
  readonly password: string;
  readonly url?: string;
}

export class LeaseService {
  constructor(
    private readonly deps: {
      storage: DynamicStorage;
      envelope: Envelope;
      clock: Clock;
      revoker: LeaseRevoker;
      audit: Pick<AuditLog, 'kick'>;
      maxTokenTtlSeconds: number;
    },
  ) {}

  checkBackend(body: BackendBody): { settings: BackendSettings; adminPassword?: string } {
    return checkBackendBody(body, this.deps.maxTokenTtlSeconds);
  }

  /** Creates or replaces a backend; a replacement without a password keeps the stored one. True when created. */
  async configure(key: string, checked: { settings: BackendSettings; adminPassword?: string }, actor: Actor): Promise<boolean> {
    const { storage, envelope, clock, audit } = this.deps;
    const existing = await storage.findBackend(key);
    if (checked.adminPassword === undefined && !existing) throw new InvalidRequest('connection.password is required for a new backend');
    const encrypted =
      checked.adminPassword === undefined
        ? (existing as BackendRecord).encrypted
        : await envelope.encrypt(Buffer.from(checked.adminPassword, 'utf8'), { dynamicBackend: key });
    const now = clock.now();
    const created = await storage.putBackend({ key, settings: checked.settings, encrypted, createdAt: now, updatedAt: now }, [
      { ...actor, time: now, action: 'dynamic.configure', key, outcome: 200, detail: checked.settings.kind },
    ]);
    audit.kick();
    return created;
  }

  async settings(key: string): Promise<BackendRecord> {
    const record = await this.deps.storage.findBackend(key);
    if (!record) throw new BackendNotFound();
    return record;
  }

  /** The backends at `prefix` or under it, by key: at most 1000. */
  backends(prefix: string): Promise<BackendRecord[]> {
    return this.deps.storage.listBackends(prefix, 1000);
  }

  async deleteBackend(key: string, actor: Actor): Promise<void> {
    const now = this.deps.clock.now();
    const outcome = await this.deps.storage.deleteBackend(key, [{ ...actor, time: now, action: 'dynamic.delete', key, outcome: 204 }]);
    if (outcome === 'absent') throw new BackendNotFound();
    if (outcome === 'leased') throw new BackendHasLeases();
    this.deps.audit.kick();
  }

  /** The backend with its administrative password, for a kind to act on. */
  async open(key: string): Promise<Backend> {
    const record = await this.settings(key);
    const password = await this.deps.envelope.decrypt(record.encrypted, { dynamicBackend: key });
    return { key, settings: record.settings, adminPassword: password.toString('utf8') };
  }

  /**
   * Draws a credential: never past the backend's maximum TTL nor the
   * caller's token, which the lease cannot outlive. The route notes the
   * audit event; a failure to make the credential leaves nothing behind,
   * or, when the server stopped answering midway, a lease to revoke.
   */
  async draw(key: string, caller: Principal, ttlSeconds: number | undefined): Promise<DrawnLease> {
    const { storage, envelope, clock, revoker } = this.deps;
    const backend = await this.open(key);
    const now = clock.now();
    const { settings } = backend;
    const maxExpiresAt = Math.min(now + settings.maxTtlSeconds * 1000, caller.expiresAt);
    const expiresAt = Math.min(now + (ttlSeconds ?? settings.defaultTtlSeconds) * 1000, maxExpiresAt);
    if (expiresAt - now < 1000) throw new InvalidRequest("the caller's token expires too soon to draw a credential");
    const id = newLeaseId();
    const username = newCredentialName();
    const password = newCredentialPassword();
    const lease: LeaseRecord = {
      id,
      backendKey: key,
      subject: caller.subject,
      jti: caller.jti ?? null,
      tokenChain: caller.jti === undefined ? [...caller.ancestors] : [...caller.ancestors, caller.jti],
      createdAt: now,
      expiresAt,
      maxExpiresAt,
      revokeAt: expiresAt,
      revokeReason: null,
      attempts: 0,
      lastError: null,
      encrypted: await sealRevocationData(envelope, id, username),
    };
    await storage.createLease(lease, []);
    try {
      await KINDS[settings.kind].create(backend, { username, password, expiresAt });
    } catch (error) {
      // A server that answered refused the statements, which ran in a transaction or were undone: nothing to revoke.
      // One that stopped answering may have made the credential: the lease is revoked once it answers again.
      if (error instanceof BackendError) await revoker.revokeByHand(lease, null);
      else await revoker.markForRevocation(lease.id, null);
      throw error;
    }
    return { lease, username, password, url: KINDS[settings.kind].url(backend, { username, password, expiresAt }) };
  }

  /** The lease, when the caller may see it: dynamic:list on its backend, or its own drawer's dynamic:lease. */
  async find(id: string, caller: Principal, action: 'list' | 'revoke' | 'renew'): Promise<LeaseRecord> {
    const lease = await this.deps.storage.findLease(id);
    if (!lease || !mayActOn(lease, caller, action)) throw new LeaseNotFound();
    return lease;
  }

  async renew(id: string, caller: Principal, ttlSeconds: number | undefined, actor: Actor): Promise<LeaseRecord> {
    const { storage, clock, audit } = this.deps;
    const lease = await this.find(id, caller, 'renew');
    const now = clock.now();
    if (lease.revokeReason !== null || lease.expiresAt <= now) throw new LeaseNotRenewable('the lease is being revoked');
    const backend = await this.open(lease.backendKey);
    // Not past the lease's own limit, nor past the renewing token.
    const ceiling = Math.min(lease.maxExpiresAt, caller.expiresAt);
    const expiresAt = Math.min(now + (ttlSeconds ?? backend.settings.defaultTtlSeconds) * 1000, ceiling);
    if (expiresAt <= lease.expiresAt) return lease;
    const username = await leaseUsername(this.deps.envelope, lease);
    await KINDS[backend.settings.kind].renew(backend, { username, expiresAt });
    const event: AuditEventInput = { ...actor, time: now, action: 'lease.renew', key: lease.backendKey, outcome: 200, detail: lease.id };
    if (!(await storage.renewLease(id, expiresAt, now, [event]))) throw new LeaseNotRenewable('the lease is being revoked');
    audit.kick();
    return { ...lease, expiresAt, revokeAt: expiresAt };
  }

  /** Revokes one lease now: true when its credential is gone, false when the revocation is pending (the server is down). */
  async revoke(id: string, caller: Principal, actor: Actor): Promise<boolean> {
    const lease = await this.find(id, caller, 'revoke');
    return this.deps.revoker.revokeByHand(lease, actor);
  }

  /** Marks for revocation every live lease under `prefix` the caller may revoke, and starts revoking them; how many. */
  async revokePrefix(prefix: string, caller: Principal, actor: Actor): Promise<number> {
    return this.deps.revoker.revokeUnder(prefix, actor, (lease) => caller.grants.allows('dynamic', 'revoke', lease.backendKey));
  }

  /** The leases under `prefix` the caller may list, in (backend, id) order after `after`; `more` when the walk stopped early. */
  async list(
    prefix: string,
    caller: Principal,
    after: { backendKey: string; id: string } | undefined,
    limit: number,
  ): Promise<{ leases: LeaseRecord[]; next?: { backendKey: string; id: string } }> {
    const visible: LeaseRecord[] = [];
    let cursor = after;
    // Read in pages, each bounded, until the page is full or the rows run out: filtering never reveals what is skipped.
    for (let pages = 0; pages < 10 && visible.length < limit; pages++) {
      const rows = await this.deps.storage.listLeases(prefix, cursor, 500);
      for (const row of rows) {
        cursor = { backendKey: row.backendKey, id: row.id };
        if (mayActOn(row, caller, 'list')) visible.push(row);
        if (visible.length === limit) return { leases: visible, next: cursor };
      }
      if (rows.length < 500) return { leases: visible };
    }
    return { leases: visible, next: cursor };
  }
}

/**
 * Who may act on one lease: dynamic:list:<backend> sees any; dynamic:revoke:<backend>
 * revokes any; whoever drew it (the same subject, still holding
 * dynamic:lease:<backend>) sees, renews and revokes its own.
 */
export function mayActOn(lease: LeaseRecord, caller: Principal, action: 'list' | 'revoke' | 'renew'): boolean {
  const own = lease.subject === caller.subject && caller.grants.allows('dynamic', 'lease', lease.backendKey);
  if (own) return true;
  if (action === 'list') return caller.grants.allows('dynamic', 'list', lease.backendKey);
  if (action === 'revoke') return caller.grants.allows('dynamic', 'revoke', lease.backendKey);
  return false;
}
