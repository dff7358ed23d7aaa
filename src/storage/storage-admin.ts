/**
 * What the commands run on the server host (migrate, keys, audit verify)
 * need of storage, besides serving: the schema, the data keys to rotate,
 * and the audit chain to verify.
 */
import type { AuditChain } from '../audit/audit-chain';
import type { AuditStorage } from '../audit/audit-storage';
import type { KeyRotationStorage } from '../keyring/key-rotation';
import type { SigningKeyStorage } from '../tokens/signing-key-storage';

export interface StorageAdmin {
  /** True when the database holds our tables at all (even if a migration is pending). */
  hasOurTables(): Promise<boolean>;
  /** True when the database is reachable and every migration is applied. */
  isMigrated(): Promise<boolean>;
  /** Applies the migrations not applied yet; their names. */
  migrate(): Promise<string[]>;
  readonly keyRotation: KeyRotationStorage;
  /** The token signing keys, to add the next one and to show them. */
  readonly signingKeys: SigningKeyStorage;
  /** The audit chain, to read and verify with `chain`'s key. */
  auditChain(chain: AuditChain): Pick<AuditStorage, 'range' | 'endpoints'>;
  close(): Promise<void>;
}
