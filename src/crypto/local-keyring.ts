/**
 * The local keyring: `{"active":"<id>","keys":{"<id>":"<base64 32 bytes>"},
 * "audit":"<base64 32 bytes>"}` in a file of mode 0600, shared by every
 * replica. The `keys` wrap data keys; `audit` keys the audit chain's
 * hashes, so that whoever can write to the database alone cannot rewrite
 * the chain. It is re-read when the file changes and when a row names a
 * key id it does not know yet.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openAesGcm, sealAesGcm } from './aes-gcm';
import type { KeyEncryptionProvider, WrappedDataKey } from './key-encryption-provider';

interface KeyringContents {
  active: string;
  keys: Map<string, Buffer>;
  /** Keys the audit chain; absent only in keyrings written before the chain was keyed. */
  audit?: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export class KeyringError extends Error {}

export function parseKeyring(text: string, file: string): KeyringContents {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyringError(`${file}: not valid JSON`);
  }
  const doc = json as { active?: unknown; keys?: unknown; audit?: unknown };
  if (typeof doc !== 'object' || doc === null || typeof doc.keys !== 'object' || doc.keys === null) {
    throw new KeyringError(`${file}: expected {"active": "<id>", "keys": {"<id>": "<base64>"}}`);
  }
  const keys = new Map<string, Buffer>();
  for (const [id, encoded] of Object.entries(doc.keys as Record<string, unknown>)) {
    const key = typeof encoded === 'string' ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (!KEY_ID.test(id) || key.length !== 32) {
      throw new KeyringError(`${file}: key "${id}" must have an id of [A-Za-z0-9_.-] and 32 bytes of base64`);
    }
    keys.set(id, key);
  }
  if (typeof doc.active !== 'string' || !keys.has(doc.active)) {
    throw new KeyringError(`${file}: "active" must name one of its keys`);
  }
  if (doc.audit === undefined) return { active: doc.active, keys };
  const audit = typeof doc.audit === 'string' ? Buffer.from(doc.audit, 'base64') : Buffer.alloc(0);
  if (audit.length !== 32) throw new KeyringError(`${file}: "audit" must be 32 bytes of base64`);
  return { active: doc.active, keys, audit };
}

export function serializeKeyring(contents: KeyringContents): string {
  const keys: Record<string, string> = {};
  for (const [id, key] of contents.keys) keys[id] = key.toString('base64');
  const audit = contents.audit?.toString('base64');
  return `${JSON.stringify({ active: contents.active, keys, ...(audit ? { audit } : {}) }, null, 2)}\n`;
}

export function newKeyId(now: Date): string {
  return `k${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

/** Replaces the keyring file atomically (write, then rename), so readers see the old file or the new, never half. */
function writeKeyringFile(file: string, contents: KeyringContents): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, serializeKeyring(contents), { mode: 0o600 });
  fs.renameSync(temporary, file);
}

function readKeyringFile(file: string): KeyringContents {
  try {
    return parseKeyring(fs.readFileSync(file, 'utf8'), file);
  } catch (error) {
    if (error instanceof KeyringError) throw error;
    throw new KeyringError(`${file}: cannot read the keyring (${(error as NodeJS.ErrnoException).code})`);
  }
}

/** Adds a fresh key and makes it the active one; returns its id. */
export function addActiveKey(file: string, now: Date): string {
  const contents = readKeyringFile(file);
  const id = newKeyId(now);
  contents.keys.set(id, randomBytes(32));
  contents.active = id;
  writeKeyringFile(file, contents);
  return id;
}

/** Removes a key that is not the active one. */
export function removeKey(file: string, id: string): void {
  const contents = readKeyringFile(file);
  if (!contents.keys.has(id)) throw new KeyringError(`the keyring has no key "${id}"`);
  if (contents.active === id) throw new KeyringError(`"${id}" is the active key; rotate to a new key before retiring it`);
  contents.keys.delete(id);
  writeKeyringFile(file, contents);
}

/** Creates the keyring with one fresh key unless it exists; true when created. */
export function createKeyringIfMissing(file: string, now: Date): boolean {
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const id = newKeyId(now);
  const contents = serializeKeyring({ active: id, keys: new Map([[id, randomBytes(32)]]), audit: randomBytes(32) });
  try {
    fs.writeFileSync(file, contents, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  return true;
}

const LOCK_WAIT_MS = 5000;

/**
 * Adds an audit key to a keyring written before the chain was keyed; true
 * when it added one. A lock file keeps replicas starting together from
 * writing two different keys.
 */
export function addAuditKeyIfMissing(file: string): boolean {
  if (readKeyringFile(file).audit) return false;
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new KeyringError(`${lock} exists: another process is adding the audit key, or remove it if none is`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    if (readKeyringFile(file).audit) return false;
  }
  try {
    const contents = readKeyringFile(file);
    if (contents.audit) return false;
    contents.audit = randomBytes(32);
    writeKeyringFile(file, contents);
    return true;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

export class LocalKeyring implements KeyEncryptionProvider {
  private contents: KeyringContents;
  private loadedMtimeMs = 0;
  private watcher?: fs.StatWatcher;

  constructor(private readonly file: string) {
    this.contents = this.read();
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
    this.watcher = fs.watchFile(this.file, { interval: intervalMs, persistent: false }, () => this.reloadIfChanged());
  }

  close(): void {
    if (this.watcher) fs.unwatchFile(this.file);
    this.watcher = undefined;
  }

  async wrap(dataKey: Buffer, context: Buffer): Promise<WrappedDataKey> {
    const keyId = this.contents.active;
    const kek = this.contents.keys.get(keyId) as Buffer;
    return { keyId, wrapped: sealAesGcm(kek, dataKey, context) };
  }

  async unwrap(wrapped: WrappedDataKey, context: Buffer): Promise<Buffer> {
    let kek = this.contents.keys.get(wrapped.keyId);
    if (!kek) {
      this.reloadIfChanged();
      kek = this.contents.keys.get(wrapped.keyId);
    }
    if (!kek) throw new KeyringError(`the keyring has no key "${wrapped.keyId}"`);
    return openAesGcm(kek, wrapped.wrapped, context);
  }

  private reloadIfChanged(): void {
    try {
      if (fs.statSync(this.file).mtimeMs !== this.loadedMtimeMs) this.contents = this.read();
    } catch {
      // A half-written or vanished file keeps the keys already loaded.
    }
  }

  private read(): KeyringContents {
    try {
      this.loadedMtimeMs = fs.statSync(this.file).mtimeMs;
    } catch (error) {
      throw new KeyringError(`${this.file}: cannot read the keyring (${(error as NodeJS.ErrnoException).code})`);
    }
    return readKeyringFile(this.file);
  }
}
