/**
 * The one boundary between the features and the database. Each backend
 * (sqlite/, postgres/, and memory/ for tests) implements every feature's
 * storage interface, owns its SQL, and hides how it writes: the features
 * and the HTTP layer above never know which one runs. `openStorage`
 * (open-storage.ts) chooses the backend once, from the configuration.
 */
import type { AuditStorage } from '../audit/audit-storage';
import type { DynamicStorage } from '../dynamic/dynamic-storage';
import type { TrustStorage } from '../federation/trust-storage';
import type { SecretStorage } from '../secrets/secret-storage';
import type { SweepPacing } from '../sweeper/sweeper';
import type { SigningKeyStorage } from '../tokens/signing-key-storage';
import type { TokenStorage } from '../tokens/token-storage';
import type { WrapStorage } from '../wraps/wrap-storage';
import type { Readiness } from './readiness-probe';

export interface Storage {
  readonly secrets: SecretStorage;
  readonly tokens: TokenStorage;
  readonly wraps: WrapStorage;
  readonly trust: TrustStorage;
  readonly signingKeys: SigningKeyStorage;
  readonly dynamic: DynamicStorage;
  readonly audit: AuditStorage;
  /** How the sweeper should pace its purges on this backend. */
  readonly sweepPacing: SweepPacing;
  /** The key that signs listing continuation tokens, made once per database. */
  listingKey(): Promise<Buffer>;
  /** Whether this replica can serve, and if not why: known ahead of time, so that asking never waits. */
  readiness(): Readiness;
  /** False while writes cannot be made (the SQLite write thread is restarting): writes answer 503 meanwhile. */
  writesAvailable(): boolean;
  close(): Promise<void>;
}
