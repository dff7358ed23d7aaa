/**
 * Changes to the keyring file: creating it, adding and removing keys, and
 * sealing, unsealing and resealing it. Each runs under the keyring's lock
 * and replaces the file atomically; replicas pick the change up within
 * seconds. A sealed keyring seals every key it gains before writing it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Seal } from '../seal/seal';
import {
  changeKeyring,
  isSealedEntry,
  KeyringError,
  lockKeyring,
  newKeyId,
  newKeyringId,
  readKeyringFile,
  serializeKeyring,
  writeKeyringFile,
  type KeyEntry,
  type KeyringDocument,
} from './keyring-file';
import { checkSealMatches, openKeyringDocument } from './local-keyring';

function freshKeys(now: Date): { active: string; keys: Map<string, Buffer>; audit: Buffer } {
  const id = newKeyId(now);
  return { active: id, keys: new Map([[id, randomBytes(32)]]), audit: randomBytes(32) };
}

/** Seals `contents` for the keyring `keyringId`. */
async function sealedDocument(
  contents: { active: string; keys: ReadonlyMap<string, Buffer>; audit: Buffer },
  keyringId: string,
  seal: Seal,
): Promise<KeyringDocument> {
  const keys = new Map<string, KeyEntry>();
  for (const [id, key] of contents.keys) keys.set(id, await seal.seal(key, { keyringId, entry: id }));
  return {
    id: keyringId,
    active: contents.active,
    seal: seal.provider,
    keys,
    audit: await seal.seal(contents.audit, { keyringId, entry: 'audit' }),
  };
}

/** Writes a new keyring unless one exists; true when written. */
function writeNewKeyring(file: string, doc: KeyringDocument): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, serializeKeyring(doc), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  return true;
}

/** Creates a plain keyring with one fresh key unless it exists; true when created. */
export function createKeyringIfMissing(file: string, now: Date): boolean {
  return !fs.existsSync(file) && writeNewKeyring(file, { id: newKeyringId(), ...freshKeys(now) });
}

/** Creates a keyring sealed from the start unless it exists: its keys never touch the disk. */
export async function createSealedKeyringIfMissing(file: string, now: Date, seal: Seal): Promise<boolean> {
  return !fs.existsSync(file) && writeNewKeyring(file, await sealedDocument(freshKeys(now), newKeyringId(), seal));
}

/** Adds a fresh key and makes it the active one; returns its id. */
export function addActiveKey(file: string, now: Date, seal?: Seal): Promise<string> {
  return changeKeyring(file, async (doc) => {
    // Checked before anything is written: a sealed keyring gains no plaintext key, a plain one none sealed.
    checkSealMatches(doc, file, seal);
    const id = newKeyId(now);
    const key = randomBytes(32);
    const entry: KeyEntry = seal ? await seal.seal(key, { keyringId: doc.id as string, entry: id }) : key;
    writeKeyringFile(file, { ...doc, active: id, keys: new Map([...doc.keys, [id, entry]]) });
    return id;
  });
}

/** Removes a key that is not the active one. */
export function removeKey(file: string, id: string): Promise<void> {
  return changeKeyring(file, (doc) => {
    if (!doc.keys.has(id)) throw new KeyringError(`the keyring has no key "${id}"`);
    if (doc.active === id) throw new KeyringError(`"${id}" is the active key; rotate to a new key before retiring it`);
    const keys = new Map(doc.keys);
    keys.delete(id);
    writeKeyringFile(file, { ...doc, keys });
  });
}

/**
 * Adds an audit key to a plain keyring written before the chain was keyed;
 * true when it added one. The lock keeps replicas starting together from
 * writing two different keys. (A sealed keyring always has one.)
 */
export function addAuditKeyIfMissing(file: string): boolean {
  if (readKeyringFile(file).audit) return false;
  const release = lockKeyring(file);
  try {
    const doc = readKeyringFile(file);
    if (doc.audit) return false;
    writeKeyringFile(file, { ...doc, id: doc.id ?? newKeyringId(), audit: randomBytes(32) });
    return true;
  } finally {
    release();
  }
}

export interface SealReport {
  /** The seal key every entry is now sealed with. */
  readonly sealKey: string;
  /** Keys and the audit key. */
  readonly entries: number;
  /** Seal keys that sealed entries before and seal none now: candidates for deletion. */
  readonly staleSealKeys: string[];
}

function sealKeysOf(doc: KeyringDocument): Set<string> {
  const keys = new Set<string>();
  for (const entry of [...doc.keys.values(), doc.audit]) if (isSealedEntry(entry)) keys.add(entry.by);
  return keys;
}

/** Turns a plain keyring into one sealed by `seal`. */
export function sealKeyring(file: string, seal: Seal): Promise<SealReport> {
  return changeKeyring(file, async (doc) => {
    if (doc.seal) throw new KeyringError(`${file} is already sealed with ${doc.seal}: keys reseal seals it again under the current key`);
    const contents = await openKeyringDocument(doc, file, undefined);
    const sealed = await sealedDocument({ ...contents, audit: contents.audit ?? randomBytes(32) }, doc.id ?? newKeyringId(), seal);
    writeKeyringFile(file, sealed);
    return { sealKey: [...sealKeysOf(sealed)].join(', '), entries: sealed.keys.size + 1, staleSealKeys: [] };
  });
}

/** Turns a sealed keyring back into a plain one, its keys in the file. */
export function unsealKeyring(file: string, seal: Seal): Promise<{ entries: number }> {
  return changeKeyring(file, async (doc) => {
    if (!doc.seal) throw new KeyringError(`${file} is not sealed`);
    const contents = await openKeyringDocument(doc, file, seal);
    writeKeyringFile(file, { id: contents.id, active: contents.active, keys: new Map(contents.keys), audit: contents.audit });
    return { entries: contents.keys.size + 1 };
  });
}

/** Seals every entry again under the seal's current key, and names the seal keys left sealing nothing. */
export function resealKeyring(file: string, seal: Seal): Promise<SealReport> {
  return changeKeyring(file, async (doc) => {
    if (!doc.seal) throw new KeyringError(`${file} is not sealed: keys seal --to ${seal.provider} seals it`);
    const contents = await openKeyringDocument(doc, file, seal);
    const resealed = await sealedDocument({ ...contents, audit: contents.audit as Buffer }, doc.id as string, seal);
    writeKeyringFile(file, resealed);
    const now = sealKeysOf(resealed);
    return {
      sealKey: [...now].join(', '),
      entries: resealed.keys.size + 1,
      staleSealKeys: [...sealKeysOf(doc)].filter((key) => !now.has(key)).sort(),
    };
  });
}
