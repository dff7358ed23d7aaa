/**
 * Storage in memory, for tests: every feature's storage with the same
 * behaviour as the databases (the contract suite runs the same cases on
 * all three), so that service tests need no database. One process, and
 * nothing survives it.
 */
import { randomBytes } from 'node:crypto';
import type { AuditChain } from '../../audit/audit-chain';
import type { Storage } from '../storage';
import { MemoryAudit } from './memory-audit';
import { MemoryDynamic } from './memory-dynamic';
import { MemoryKeyRotation } from './memory-key-rotation';
import { MemorySecrets } from './memory-secrets';
import { MemoryTokens } from './memory-tokens';
import { MemoryTrust } from './memory-trust';
import { MemorySigningKeys } from './memory-signing-keys';
import { MemoryWraps } from './memory-wraps';

export class MemoryStorage implements Storage {
  readonly audit: MemoryAudit;
  readonly secrets: MemorySecrets;
  readonly tokens: MemoryTokens;
  readonly wraps: MemoryWraps;
  readonly trust: MemoryTrust;
  readonly signingKeys: MemorySigningKeys;
  readonly dynamic: MemoryDynamic;
  readonly keyRotation: MemoryKeyRotation;
  readonly sweepPacing = { batchSize: 200, pauseMs: 0 };
  private readonly key = randomBytes(32);

  constructor(chain: AuditChain) {
    this.audit = new MemoryAudit(chain);
    this.secrets = new MemorySecrets(this.audit);
    this.tokens = new MemoryTokens(this.audit);
    this.signingKeys = new MemorySigningKeys(() => this.tokens.allIssued());
    this.wraps = new MemoryWraps(this.audit);
    this.trust = new MemoryTrust(this.audit);
    this.dynamic = new MemoryDynamic(this.audit);
    this.keyRotation = new MemoryKeyRotation(this.secrets, () => this.wraps.sealedValues(), this.signingKeys, this.dynamic);
  }

  async listingKey(): Promise<Buffer> {
    return this.key;
  }

  readiness() {
    return { ready: true, reasons: [] };
  }

  writesAvailable(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}
