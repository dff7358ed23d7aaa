/**
 * A logged-in session on the PKCS#11 token named by its label: the vendor's
 * module loaded, the slot found, the user PIN given. Shared by the keyring
 * seal and the token signer, which each keep one session and run one
 * operation on it at a time.
 */
import fs from 'node:fs';
import * as pkcs11js from 'pkcs11js';

export interface Pkcs11Token {
  readonly module: string;
  readonly tokenLabel: string;
  readonly pin: { readonly value: string } | { readonly file: string };
}

export interface Pkcs11Session {
  readonly module: pkcs11js.PKCS11;
  readonly handle: pkcs11js.Handle;
}

export function cryptokiName(error: unknown): string | undefined {
  return error instanceof pkcs11js.Pkcs11Error ? error.message : undefined;
}

export function isTrue(value: unknown): boolean {
  return Buffer.isBuffer(value) ? value.length > 0 && value[0] !== 0 : value === true;
}

function findSlot(module: pkcs11js.PKCS11, token: Pkcs11Token, fail: (reason: string) => Error): pkcs11js.Handle {
  const labels: string[] = [];
  for (const slot of module.C_GetSlotList(true)) {
    const label = module.C_GetTokenInfo(slot).label.trim();
    if (label === token.tokenLabel) return slot;
    if (label !== '') labels.push(label);
  }
  const present = labels.length === 0 ? 'no initialized token is present' : `the tokens present are ${labels.join(', ')}`;
  throw fail(`no token labelled ${token.tokenLabel} (SECRETS_PKCS11_TOKEN_LABEL): ${present}`);
}

function readPin(token: Pkcs11Token, fail: (reason: string) => Error): string {
  const { pin } = token;
  if ('value' in pin) return pin.value;
  try {
    return fs.readFileSync(pin.file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw fail(`cannot read SECRETS_PKCS11_PIN_FILE ${pin.file} (${(error as NodeJS.ErrnoException).code})`);
  }
}

/** Opens and logs in; `fail` makes the error for what no retry mends (a missing module or token). */
export function openPkcs11Session(token: Pkcs11Token, options: { readWrite: boolean }, fail: (reason: string) => Error): Pkcs11Session {
  const module = new pkcs11js.PKCS11();
  try {
    module.load(token.module);
  } catch (error) {
    throw fail(`cannot load the PKCS#11 module ${token.module} (SECRETS_PKCS11_MODULE): ${(error as Error).message}`);
  }
  let handle: pkcs11js.Handle | undefined;
  try {
    try {
      module.C_Initialize();
    } catch (error) {
      if (cryptokiName(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw error;
    }
    const slot = findSlot(module, token, fail);
    handle = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | (options.readWrite ? pkcs11js.CKF_RW_SESSION : 0));
    try {
      module.C_Login(handle, pkcs11js.CKU_USER, readPin(token, fail));
    } catch (error) {
      if (cryptokiName(error) !== 'CKR_USER_ALREADY_LOGGED_IN') throw error;
    }
  } catch (error) {
    closePkcs11Session({ module, handle });
    throw error;
  }
  return { module, handle };
}

export function closePkcs11Session(session: { module: pkcs11js.PKCS11; handle?: pkcs11js.Handle }): void {
  const { module, handle } = session;
  const steps = handle === undefined ? [] : [() => module.C_Logout(handle), () => module.C_CloseSession(handle)];
  for (const step of [...steps, () => module.C_Finalize(), () => module.close()]) {
    try {
      step();
    } catch {
      // Closing what the device already lost: nothing left to release.
    }
  }
}
