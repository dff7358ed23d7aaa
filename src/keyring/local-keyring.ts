/**
 * The keyring in memory: the plaintext keys, opened from the keyring file
 * (through the seal, when it is sealed) at start-up and again when the file
 * changes or a row names a key id not seen yet. Requests only ever use
 * keys already in memory; the seal is called when the keyring changes.
 */
import fs from 'node:fs';
import { backoffMs, SERVE_RETRIES } from '../seal/seal-retries';
import type { Seal } from '../seal/seal';
import { decryptAesGcm, encryptAesGcm } from '../crypto/aes-gcm';
import type { KeyEncryptionProvider, WrappedDataKey } from '../crypto/key-encryption-provider';
import { isSealedEntry, KeyringError, readKeyringFile, type KeyEntry, type KeyringDocument } from './keyring-file';

export { KeyringError } from './keyring-file';

export interface KeyringContents {
  readonly id?: string;
  readonly active: string;
  readonly keys: ReadonlyMap<string, Buffer>;
  readonly audit?: Buffer;
}

/** Refuses a keyring the configured seal does not match: a sealed service never reads plaintext keys, whoever wrote them there. */
export function checkSealMatches(doc: KeyringDocument, file: string, seal: Seal | undefined): void {
  if (doc.seal && !seal) {
    throw new KeyringError(`${file} is sealed with ${doc.seal}: set SECRETS_SEAL=${doc.seal} and its settings`);
  }
  if (!doc.seal && seal) {
    throw new KeyringError(
      `SECRETS_SEAL is ${seal.provider}, but ${file} holds its keys in plaintext: seal it first with scoped-secrets keys seal --to ${seal.provider}`,
    );
  }
  if (doc.seal && seal && doc.seal !== seal.provider) {
    throw new KeyringError(`${file} is sealed with ${doc.seal}, but SECRETS_SEAL is ${seal.provider}`);
  }
}

/**
 * The plaintext keys of a keyring document. Entries `known` already holds
 * (by key id, in the same keyring) are reused rather than unsealed again.
 */
export async function openKeyringDocument(
  doc: KeyringDocument,
  file: string,
  seal: Seal | undefined,
  known?: KeyringContents,
): Promise<KeyringContents> {
  checkSealMatches(doc, file, seal);
  const reusable = known !== undefined && known.id === doc.id ? known : undefined;
  const open = async (entry: KeyEntry, name: string, reused: Buffer | undefined): Promise<Buffer> => {
    if (!isSealedEntry(entry)) return entry;
    if (reused) return reused;
    const key = await (seal as Seal).unseal(entry, { keyringId: doc.id as string, entry: name });
    if (key.length !== 32) throw new KeyringError(`${file}: the entry ${name} did not unseal to a 32-byte key`);
    return key;
  };
  const keys = new Map<string, Buffer>();
  for (const [id, entry] of doc.keys) keys.set(id, await open(entry, id, reusable?.keys.get(id)));
  const audit = doc.audit === undefined ? undefined : await open(doc.audit, 'audit', reusable?.audit);
  return { id: doc.id, active: doc.active, keys, audit };
}

/** Opens a plaintext keyring at once; a sealed one needs LocalKeyring.open. */
function openPlainKeyring(file: string): KeyringContents {
  const doc = readKeyringFile(file);
  checkSealMatches(doc, file, undefined);
  return { id: doc.id, active: doc.active, keys: doc.keys as Map<string, Buffer>, audit: doc.audit as Buffer | undefined };
}

/** The audit chain's key alone, for commands that check the chain. */
export async function readAuditKey(file: string, seal: Seal | undefined): Promise<Buffer> {
  const doc = readKeyringFile(file);
  const { audit } = await openKeyringDocument({ ...doc, keys: new Map() }, file, seal);
  if (!audit) throw new KeyringError(`${file} has no audit key: start scoped-secrets serve once to add one`);
  return audit;
}

function modifiedAt(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch (error) {
    throw new KeyringError(`${file}: cannot read the keyring (${(error as NodeJS.ErrnoException).code})`);
  }
}

export interface KeyringOptions {
  /** Told when the changed file could not be opened; the keys already open stay in use. */
  readonly onReloadFailure?: (error: unknown, retryInMs: number) => void;
}

export class LocalKeyring implements KeyEncryptionProvider {
  private contents: KeyringContents;
  private loadedMtimeMs: number;
  private watcher?: fs.StatWatcher;
  private reloading?: Promise<void>;
  private failedReloads = 0;
  private retryTimer?: NodeJS.Timeout;

  /** A plaintext keyring file; with `opened`, the keys LocalKeyring.open unsealed from it. */
  constructor(
    private readonly file: string,
    opened?: { contents: KeyringContents; mtimeMs: number },
    private readonly seal?: Seal,
    private readonly options: KeyringOptions = {},
  ) {
    this.loadedMtimeMs = opened?.mtimeMs ?? modifiedAt(file);
    this.contents = opened?.contents ?? openPlainKeyring(file);
  }

  /** Opens the keyring file, unsealing it with `seal` when it is sealed; refuses a file the seal does not match. */
  static async open(file: string, seal: Seal | undefined, options: KeyringOptions = {}): Promise<LocalKeyring> {
    const mtimeMs = modifiedAt(file);
    const contents = await openKeyringDocument(readKeyringFile(file), file, seal);
    return new LocalKeyring(file, { contents, mtimeMs }, seal, options);
  }

  get activeKeyId(): string {
    return this.contents.active;
  }

  get keyIds(): string[] {
    return [...this.contents.keys.keys()];
  }

  /** The key of the audit chain's hashes. */
  get auditKey(): Buffer {
    if (!this.contents.audit) throw new KeyringError(`${this.file} has no audit key: start scoped-secrets serve once to add one`);
    return this.contents.audit;
  }

  /** Re-reads the file when it changes, checking every `intervalMs`. */
  watch(intervalMs = 2000): void {
    this.watcher = fs.watchFile(this.file, { interval: intervalMs, persistent: false }, () => void this.reloadIfChanged());
  }

  close(): void {
    if (this.watcher) fs.unwatchFile(this.file);
    this.watcher = undefined;
    clearTimeout(this.retryTimer);
  }

  async wrap(dataKey: Buffer, context: Buffer): Promise<WrappedDataKey> {
    const { active, keys } = this.contents;
    return { keyId: active, wrapped: encryptAesGcm(keys.get(active) as Buffer, dataKey, context) };
  }

  async unwrap(wrapped: WrappedDataKey, context: Buffer): Promise<Buffer> {
    let kek = this.contents.keys.get(wrapped.keyId);
    if (!kek) {
      await this.reloadIfChanged();
      kek = this.contents.keys.get(wrapped.keyId);
    }
    if (!kek) throw new KeyringError(`the keyring has no key "${wrapped.keyId}"`);
    return decryptAesGcm(kek, wrapped.wrapped, context);
  }

  /** One reload at a time; after a failure, only the scheduled retry tries again, so requests cannot hammer the seal. */
  reloadIfChanged(): Promise<void> {
    if (this.retryTimer) return Promise.resolve();
    this.reloading ??= this.reload().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async reload(): Promise<void> {
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(this.file).mtimeMs;
    } catch {
      return; // A vanished file keeps the keys already loaded.
    }
    if (mtimeMs === this.loadedMtimeMs) return;
    try {
      this.contents = await openKeyringDocument(readKeyringFile(this.file), this.file, this.seal, this.contents);
      this.loadedMtimeMs = mtimeMs;
      this.failedReloads = 0;
    } catch (error) {
      this.failedReloads += 1;
      const retryInMs = Math.max(500, backoffMs(this.failedReloads, SERVE_RETRIES));
      this.options.onReloadFailure?.(error, retryInMs);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.reloadIfChanged();
      }, retryInMs).unref();
    }
  }
}
