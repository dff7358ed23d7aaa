/**
 * The PKCS#11 seal: AES-256-GCM inside the HSM, under a non-extractable key
 * found by its label on the token with SECRETS_PKCS11_TOKEN_LABEL. Entries
 * name their seal key by a PKCS#11 URI (RFC 7512) with the key's CKA_ID, so
 * that a new key under another label can take over with `keys reseal`.
 */
import { randomBytes } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { closePkcs11Session, cryptokiName, isTrue, openPkcs11Session } from './pkcs11-session';
import type { Pkcs11Settings } from './seal-config';
import { SealError, type Seal, type SealContext, type SealedEntry } from './seal';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Failures of the device or the session, which may pass; any other Cryptoki error will not. */
const TRANSIENT = new Set([
  'CKR_DEVICE_ERROR',
  'CKR_DEVICE_MEMORY',
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_SESSION_CLOSED',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_FUNCTION_FAILED',
]);

const REASONS: Record<string, string> = {
  CKR_PIN_INCORRECT: 'the token refused the PIN (CKR_PIN_INCORRECT)',
  CKR_PIN_LOCKED: "the token's PIN is locked (CKR_PIN_LOCKED)",
  CKR_PIN_EXPIRED: "the token's PIN has expired (CKR_PIN_EXPIRED)",
};

interface KeyName {
  readonly token: string;
  readonly label: string;
  readonly id: Buffer;
}

function percentEncode(text: string | Buffer): string {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += typeof text === 'string' && /[A-Za-z0-9_.~-]/.test(char) ? char : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function keyUri(name: KeyName): string {
  return `pkcs11:token=${percentEncode(name.token)};object=${percentEncode(name.label)};id=${percentEncode(name.id)}`;
}

export function parseKeyUri(uri: string): KeyName | undefined {
  const match = /^pkcs11:token=([^;]*);object=([^;]*);id=((?:%[0-9a-f]{2})*)$/.exec(uri);
  if (!match) return undefined;
  const [, token = '', label = '', id = ''] = match;
  try {
    return { token: decodeURIComponent(token), label: decodeURIComponent(label), id: Buffer.from(id.replace(/%/g, ''), 'hex') };
  } catch {
    return undefined;
  }
}

function aad(context: SealContext): Buffer {
  return Buffer.from(`scoped-secrets:keyring-entry:v1:${context.keyringId}:${context.entry}`, 'utf8');
}

function gcm(iv: Buffer, context: SealContext): pkcs11js.Mechanism {
  return {
    mechanism: pkcs11js.CKM_AES_GCM,
    parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv, aad: aad(context), ivBits: IV_BYTES * 8, tagBits: TAG_BYTES * 8 } as pkcs11js.AesGCM,
  };
}

interface Session {
  readonly module: pkcs11js.PKCS11;
  readonly handle: pkcs11js.Handle;
  readonly keys: Map<string, pkcs11js.Handle>;
}

export class Pkcs11Seal implements Seal {
  readonly provider = 'pkcs11' as const;
  private session?: Session;
  /** One operation at a time: a PKCS#11 session runs one encryption or decryption at once. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: Pkcs11Settings,
    private readonly options: { createKey?: boolean } = {},
  ) {}

  private get configuredKey(): string {
    return `labelled ${this.settings.keyLabel} on token ${this.settings.tokenLabel}`;
  }

  currentKey(): Promise<string> {
    return this.serially(this.configuredKey, (session) => keyUri(this.currentKeyName(session)));
  }

  seal(plaintext: Buffer, context: SealContext): Promise<SealedEntry> {
    return this.serially(this.configuredKey, async (session) => {
      const name = this.currentKeyName(session);
      const by = keyUri(name);
      const iv = randomBytes(IV_BYTES);
      session.module.C_EncryptInit(session.handle, gcm(iv, context), session.keys.get(by) as pkcs11js.Handle);
      const body = await session.module.C_EncryptAsync(session.handle, plaintext, Buffer.alloc(plaintext.length + TAG_BYTES));
      return { sealed: Buffer.concat([iv, body]), by };
    });
  }

  unseal(entry: SealedEntry, context: SealContext): Promise<Buffer> {
    return this.serially(entry.by, async (session) => {
      const key = this.keyByUri(session, entry.by);
      if (entry.sealed.length < IV_BYTES + TAG_BYTES) throw this.failure(entry.by, `the sealed entry ${context.entry} is truncated`);
      session.module.C_DecryptInit(session.handle, gcm(entry.sealed.subarray(0, IV_BYTES), context), key);
      try {
        const body = entry.sealed.subarray(IV_BYTES);
        return await session.module.C_DecryptAsync(session.handle, body, Buffer.alloc(body.length));
      } catch (error) {
        if (TRANSIENT.has(cryptokiName(error) ?? '')) throw error;
        throw this.failure(entry.by, `the key does not open the entry ${context.entry}: it was sealed for another keyring, or altered`);
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.dropSession();
  }

  private serially<T>(sealKey: string, work: (session: Session) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      try {
        return await work(this.openSession(sealKey));
      } catch (error) {
        throw this.classify(sealKey, error);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private classify(sealKey: string, error: unknown): SealError {
    if (error instanceof SealError) return error;
    const name = cryptokiName(error);
    if (name !== undefined && TRANSIENT.has(name)) {
      // The next attempt opens a new session: this one may be gone with the device.
      this.dropSession();
      return new SealError('pkcs11', sealKey, `the HSM failed (${name})`, true);
    }
    return this.failure(sealKey, name !== undefined ? (REASONS[name] ?? `the HSM refused (${name})`) : (error as Error).message);
  }

  private failure(sealKey: string, reason: string): SealError {
    return new SealError('pkcs11', sealKey, reason, false);
  }

  private openSession(sealKey: string): Session {
    if (this.session) return this.session;
    const opened = openPkcs11Session(this.settings, { readWrite: this.options.createKey === true }, (reason) =>
      this.failure(sealKey, reason),
    );
    const session: Session = { ...opened, keys: new Map() };
    this.session = session;
    return session;
  }

  private findKeys(session: Session, template: pkcs11js.Template): pkcs11js.Handle[] {
    const { module, handle } = session;
    module.C_FindObjectsInit(handle, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      ...template,
    ]);
    try {
      return module.C_FindObjects(handle, 16);
    } finally {
      module.C_FindObjectsFinal(handle);
    }
  }

  private currentKeyName(session: Session): KeyName {
    const { keyLabel, tokenLabel } = this.settings;
    let found = this.findKeys(session, [{ type: pkcs11js.CKA_LABEL, value: keyLabel }]);
    if (found.length === 0 && this.options.createKey) found = [this.createKey(session)];
    if (found.length === 0) {
      throw this.failure(
        this.configuredKey,
        `no AES key labelled ${keyLabel} (SECRETS_PKCS11_KEY_LABEL) on token ${tokenLabel}; keys seal --to pkcs11 --create-key creates one`,
      );
    }
    const [key] = found;
    if (key === undefined || found.length > 1)
      throw this.failure(this.configuredKey, `${found.length} keys are labelled ${keyLabel}: give the seal key a label of its own`);
    const [id, extractable, sensitive] = session.module.C_GetAttributeValue(session.handle, key, [
      { type: pkcs11js.CKA_ID },
      { type: pkcs11js.CKA_EXTRACTABLE },
      { type: pkcs11js.CKA_SENSITIVE },
    ]);
    if (isTrue(extractable?.value) || !isTrue(sensitive?.value)) {
      throw this.failure(
        this.configuredKey,
        'the key can be read out of the HSM (CKA_EXTRACTABLE or not CKA_SENSITIVE): seal with a non-extractable, sensitive key',
      );
    }
    const name = { token: tokenLabel, label: keyLabel, id: Buffer.from(id?.value ?? []) };
    session.keys.set(keyUri(name), key);
    return name;
  }

  private keyByUri(session: Session, uri: string): pkcs11js.Handle {
    const cached = session.keys.get(uri);
    if (cached !== undefined) return cached;
    const name = parseKeyUri(uri);
    if (!name) throw this.failure(uri, 'the keyring names its seal key by something other than a PKCS#11 URI');
    if (name.token !== this.settings.tokenLabel) {
      throw this.failure(uri, `the entry was sealed on token ${name.token}, but SECRETS_PKCS11_TOKEN_LABEL is ${this.settings.tokenLabel}`);
    }
    const found = this.findKeys(session, [
      { type: pkcs11js.CKA_LABEL, value: name.label },
      { type: pkcs11js.CKA_ID, value: name.id },
    ]);
    const [key] = found;
    if (key === undefined || found.length > 1)
      throw this.failure(uri, `the token holds ${found.length === 0 ? 'no key' : 'several keys'} with this label and id`);
    session.keys.set(uri, key);
    return key;
  }

  private createKey(session: Session): pkcs11js.Handle {
    return session.module.C_GenerateKey(session.handle, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_LABEL, value: this.settings.keyLabel },
      { type: pkcs11js.CKA_ID, value: randomBytes(8) },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
      { type: pkcs11js.CKA_WRAP, value: false },
      { type: pkcs11js.CKA_UNWRAP, value: false },
    ]);
  }

  private dropSession(): void {
    if (this.session) closePkcs11Session(this.session);
    this.session = undefined;
  }
}
