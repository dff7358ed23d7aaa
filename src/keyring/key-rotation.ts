/**
 * `keys rotate`: adds a key, makes it active, and re-wraps every data key
 * under it in batches. Values are never re-encrypted. An interrupted
 * rotation is resumed by running it again: it carries on to the same key.
 */
import type { Clock } from '../common/clock';
import { Envelope } from '../crypto/envelope';
import type { Seal } from '../seal/seal';
import { addActiveKey } from './keyring-changes';
import { readKeyringFile } from './keyring-file';
import { LocalKeyring } from './local-keyring';
import type { EncryptedValue } from '../crypto/envelope';

export interface WrappedVersion {
  readonly key: string;
  readonly version: number;
  readonly encrypted: EncryptedValue;
}

/** What a rotation needs of storage. */
export interface KeyRotationStorage {
  /**
   * How many encrypted values each key wraps: secret versions, dynamic
   * backends' administrative passwords, and the wraps not yet unwrapped and
   * leases not yet revoked (rotation leaves those, which end within their
   * ttl, but a key must not be retired under them). Signing keys are
   * counted apart.
   */
  countByKeyId(): Promise<Map<string, number>>;
  /** Versions not wrapped by `keyId`, after the cursor, in (key, version) order. */
  notWrappedBy(keyId: string, after: { key: string; version: number } | undefined, limit: number): Promise<WrappedVersion[]>;
  /** Replaces wrapped data keys, each only if it is still wrapped by the key it was read with. */
  replaceWrapped(updates: ReadonlyArray<{ key: string; version: number; previousKeyId: string; encrypted: EncryptedValue }>): Promise<void>;
  /** The private halves of the signing keys kept with the keyring, each wrapped like a data key. */
  wrappedSigningKeys(): Promise<Array<{ kid: string; encrypted: EncryptedValue }>>;
  /** Replaces a signing key's wrapped private half if it is still wrapped by the key it was read with. */
  replaceWrappedSigningKey(kid: string, previousKeyId: string, encrypted: EncryptedValue): Promise<void>;
  /** The administrative passwords of the dynamic backends, each wrapped like a data key. */
  wrappedBackendPasswords(): Promise<Array<{ key: string; encrypted: EncryptedValue }>>;
  /** Replaces a backend's wrapped password if it is still wrapped by the key it was read with. */
  replaceWrappedBackendPassword(key: string, previousKeyId: string, encrypted: EncryptedValue): Promise<void>;
  /** The key a rotation that has not finished was moving rows to. */
  unfinishedRotation(): Promise<string | undefined>;
  beginRotation(targetKeyId: string): Promise<void>;
  finishRotation(): Promise<void>;
}

export interface RotationProgress {
  readonly targetKeyId: string;
  readonly resumed: boolean;
  readonly done: number;
  readonly total: number;
}

export async function rotateKeys(deps: {
  keyringFile: string;
  /** The keyring's seal, when it is sealed: the new key is sealed, and the keys unsealed, with it. */
  seal?: Seal;
  store: KeyRotationStorage;
  clock: Clock;
  batchSize: number;
  onProgress: (progress: RotationProgress) => void;
}): Promise<RotationProgress> {
  const { keyringFile, store, batchSize, onProgress } = deps;
  const unfinished = await store.unfinishedRotation();
  const resumed = unfinished !== undefined && readKeyringFile(keyringFile).active === unfinished;
  if (!resumed) {
    await store.beginRotation(await addActiveKey(keyringFile, new Date(deps.clock.now()), deps.seal));
  }
  const keyring = await LocalKeyring.open(keyringFile, deps.seal);
  const targetKeyId = keyring.activeKeyId;
  const envelope = new Envelope(keyring);

  const counts = await store.countByKeyId();
  let total = [...counts].reduce((sum, [keyId, count]) => (keyId === targetKeyId ? sum : sum + count), 0);
  let done = 0;
  const report = () => onProgress({ targetKeyId, resumed, done, total: (total = Math.max(total, done)) });
  report();

  // A second pass picks up versions that replicas wrote under the old key
  // before they noticed the new one (they re-read the keyring within seconds).
  for (let pass = 0; pass < 2; pass++) {
    let cursor: { key: string; version: number } | undefined;
    let rewrapped = 0;
    for (;;) {
      const batch = await store.notWrappedBy(targetKeyId, cursor, batchSize);
      if (batch.length === 0) break;
      const updates = await Promise.all(
        batch.map(async (row) => ({
          key: row.key,
          version: row.version,
          previousKeyId: row.encrypted.keyId,
          encrypted: await envelope.rewrap(row.encrypted, { key: row.key, version: row.version }),
        })),
      );
      await store.replaceWrapped(updates);
      rewrapped += batch.length;
      done += batch.length;
      cursor = batch[batch.length - 1];
      report();
    }
    if (rewrapped === 0) break;
  }
  // The token signing keys kept with the keyring, a handful at most.
  for (const { kid, encrypted } of await store.wrappedSigningKeys()) {
    if (encrypted.keyId === targetKeyId) continue;
    await store.replaceWrappedSigningKey(kid, encrypted.keyId, await envelope.rewrap(encrypted, { signingKid: kid }));
    done += 1;
    report();
  }
  // The dynamic backends' administrative passwords, one per backend.
  for (const { key, encrypted } of await store.wrappedBackendPasswords()) {
    if (encrypted.keyId === targetKeyId) continue;
    await store.replaceWrappedBackendPassword(key, encrypted.keyId, await envelope.rewrap(encrypted, { dynamicBackend: key }));
    done += 1;
    report();
  }
  await store.finishRotation();
  return { targetKeyId, resumed, done, total };
}
