/**
 * The keyring file, shared by every replica (mode 0600):
 * `{"id": "<keyring id>", "active": "<key id>", "keys": {"<key id>": <entry>}, "audit": <entry>}`.
 * The `keys` wrap data keys; `audit` keys the audit chain's hashes, so that
 * whoever can write to the database alone cannot rewrite the chain. An
 * entry is 32 bytes of base64 in a plain keyring; in a sealed one
 * (`"seal": "pkcs11"` or `"awskms"`) it is `{"sealed": "<base64>", "by": "<seal key>"}`
 * and the file holds no key material at all.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { SEAL_PROVIDERS, type SealedEntry, type SealProvider } from '../seal/seal';

export type KeyEntry = Buffer | SealedEntry;

export interface KeyringDocument {
  /** Binds sealed entries to this keyring; absent only in plain keyrings written before it existed. */
  readonly id?: string;
  readonly active: string;
  readonly seal?: SealProvider;
  readonly keys: Map<string, KeyEntry>;
  /** Absent only in plain keyrings written before the chain was keyed. */
  readonly audit?: KeyEntry;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const KEYRING_ID = /^[A-Za-z0-9-]{1,64}$/;
const MAX_SEALED_BYTES = 4096;

export class KeyringError extends Error {}

export function isSealedEntry(entry: KeyEntry | undefined): entry is SealedEntry {
  return entry !== undefined && !Buffer.isBuffer(entry);
}

function parseEntry(value: unknown, sealed: boolean, what: string, file: string): KeyEntry {
  if (!sealed) {
    const key = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) throw new KeyringError(`${file}: ${what} must be 32 bytes of base64`);
    return key;
  }
  const entry = value as { sealed?: unknown; by?: unknown } | null;
  const bytes = typeof entry?.sealed === 'string' ? Buffer.from(entry.sealed, 'base64') : Buffer.alloc(0);
  if (bytes.length === 0 || bytes.length > MAX_SEALED_BYTES || typeof entry?.by !== 'string' || entry.by === '') {
    throw new KeyringError(`${file}: ${what} must be {"sealed": "<base64>", "by": "<seal key>"} in a sealed keyring`);
  }
  return { sealed: bytes, by: entry.by };
}

export function parseKeyring(text: string, file: string): KeyringDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyringError(`${file}: not valid JSON`);
  }
  const doc = json as { id?: unknown; active?: unknown; seal?: unknown; keys?: unknown; audit?: unknown };
  if (typeof doc !== 'object' || doc === null || typeof doc.keys !== 'object' || doc.keys === null) {
    throw new KeyringError(`${file}: expected {"active": "<id>", "keys": {"<id>": "<base64>"}}`);
  }
  if (doc.seal !== undefined && !(SEAL_PROVIDERS as readonly unknown[]).includes(doc.seal)) {
    throw new KeyringError(`${file}: "seal" must be ${SEAL_PROVIDERS.join(' or ')}`);
  }
  const seal = doc.seal as SealProvider | undefined;
  if (doc.id !== undefined && (typeof doc.id !== 'string' || !KEYRING_ID.test(doc.id)))
    throw new KeyringError(`${file}: "id" must be up to 64 of [A-Za-z0-9-]`);
  if (seal && doc.id === undefined) throw new KeyringError(`${file}: a sealed keyring needs its "id"`);
  const keys = new Map<string, KeyEntry>();
  for (const [id, value] of Object.entries(doc.keys as Record<string, unknown>)) {
    if (!KEY_ID.test(id)) throw new KeyringError(`${file}: key "${id}" must have an id of [A-Za-z0-9_.-]`);
    keys.set(id, parseEntry(value, seal !== undefined, `key "${id}"`, file));
  }
  if (typeof doc.active !== 'string' || !keys.has(doc.active)) {
    throw new KeyringError(`${file}: "active" must name one of its keys`);
  }
  if (seal && doc.audit === undefined) throw new KeyringError(`${file}: a sealed keyring needs its "audit" entry`);
  const audit = doc.audit === undefined ? undefined : parseEntry(doc.audit, seal !== undefined, '"audit"', file);
  return { id: doc.id, active: doc.active, seal, keys, audit };
}

function serializeEntry(entry: KeyEntry): string | { sealed: string; by: string } {
  return isSealedEntry(entry) ? { sealed: entry.sealed.toString('base64'), by: entry.by } : entry.toString('base64');
}

export function serializeKeyring(doc: KeyringDocument): string {
  const keys: Record<string, unknown> = {};
  for (const [id, entry] of doc.keys) keys[id] = serializeEntry(entry);
  const audit = doc.audit === undefined ? undefined : serializeEntry(doc.audit);
  return `${JSON.stringify({ id: doc.id, seal: doc.seal, active: doc.active, keys, audit }, null, 2)}\n`;
}

export function newKeyId(now: Date): string {
  return `k${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

export function newKeyringId(): string {
  return randomUUID();
}

/** Replaces the keyring file atomically (write, then rename), so readers see the old file or the new, never half. */
export function writeKeyringFile(file: string, doc: KeyringDocument): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, serializeKeyring(doc), { mode: 0o600 });
  fs.renameSync(temporary, file);
}

export function readKeyringFile(file: string): KeyringDocument {
  try {
    return parseKeyring(fs.readFileSync(file, 'utf8'), file);
  } catch (error) {
    if (error instanceof KeyringError) throw error;
    throw new KeyringError(`${file}: cannot read the keyring (${(error as NodeJS.ErrnoException).code})`);
  }
}

const LOCK_WAIT_MS = 5000;

/**
 * Takes the keyring's lock file, so that two changes (a rotation, a
 * replica's first start adding the audit key, a reseal) cannot each write
 * over the other; returns its release.
 */
export function lockKeyring(file: string): () => void {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx', 0o600));
      return () => fs.rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new KeyringError(`${lock} exists: another process is changing the keyring, or remove it if none is`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

/** Runs a change of the keyring under its lock, on the file as it is now. */
export async function changeKeyring<T>(file: string, change: (doc: KeyringDocument) => Promise<T> | T): Promise<T> {
  const release = lockKeyring(file);
  try {
    return await change(readKeyringFile(file));
  } finally {
    release();
  }
}
