/**
 * A fresh SoftHSM2 token in a folder of its own, for the PKCS#11 seal.
 * SoftHSM2 is Debian's `softhsm2` package, which .ci/run installs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './databases';

const MODULE_PATHS = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
];

export function softHsmModule(): string {
  const found = MODULE_PATHS.find((file) => fs.existsSync(file));
  if (!found) throw new Error('SoftHSM2 is not installed (apt-get install softhsm2; .ci/run installs it)');
  return found;
}

export interface SoftHsmToken {
  readonly dir: string;
  readonly pin: string;
  /** SOFTHSM2_CONF and the SECRETS_PKCS11_* settings of a seal on this token. */
  readonly env: Record<string, string>;
  remove(): void;
}

export function createSoftHsmToken(options: { label?: string; pin?: string; keyLabel?: string } = {}): SoftHsmToken {
  const dir = tempDir('scoped-secrets-softhsm-');
  const label = options.label ?? 'scoped-secrets-test';
  const pin = options.pin ?? '4711-0815-2342';
  fs.mkdirSync(path.join(dir, 'tokens'));
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '99999999'], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: 'ignore',
  });
  return {
    dir,
    pin,
    env: {
      SOFTHSM2_CONF: conf,
      SECRETS_PKCS11_MODULE: softHsmModule(),
      SECRETS_PKCS11_TOKEN_LABEL: label,
      SECRETS_PKCS11_PIN: pin,
      SECRETS_PKCS11_KEY_LABEL: options.keyLabel ?? 'keyring-seal',
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
