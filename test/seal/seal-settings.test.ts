import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config';
import { parseKeyring } from '../../src/keyring/keyring-file';
import { backoffMs } from '../../src/seal/seal-retries';

const PKCS11 = {
  SECRETS_SEAL: 'pkcs11',
  SECRETS_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
  SECRETS_PKCS11_TOKEN_LABEL: 'secrets',
  SECRETS_PKCS11_KEY_LABEL: 'keyring-seal',
  SECRETS_PKCS11_PIN: '1234',
};

describe('seal settings', () => {
  it('defaults to none, and names the variable a seal is missing', () => {
    assert.equal(loadConfig({}).seal, undefined);
    assert.equal(loadConfig({ SECRETS_SEAL: 'none' }).seal, undefined);
    assert.throws(() => loadConfig({ SECRETS_SEAL: 'vault' }), /^ConfigError: SECRETS_SEAL: must be none, pkcs11 or awskms$/);
    assert.throws(() => loadConfig({ SECRETS_SEAL: 'awskms' }), /^ConfigError: SECRETS_AWSKMS_KEY_ID: must be set for the awskms seal$/);
    for (const name of ['SECRETS_PKCS11_MODULE', 'SECRETS_PKCS11_TOKEN_LABEL', 'SECRETS_PKCS11_KEY_LABEL']) {
      assert.throws(() => loadConfig({ ...PKCS11, [name]: '' }), new RegExp(`^ConfigError: ${name}: must be set for the pkcs11 seal$`));
    }
    assert.throws(() => loadConfig({ ...PKCS11, SECRETS_PKCS11_PIN: '' }), /SECRETS_PKCS11_PIN_FILE: or SECRETS_PKCS11_PIN must be set/);
    assert.throws(() => loadConfig({ ...PKCS11, SECRETS_PKCS11_PIN_FILE: '/run/pin' }), /set it or SECRETS_PKCS11_PIN_FILE, not both/);
    assert.deepEqual(loadConfig({ ...PKCS11, SECRETS_PKCS11_PIN: '', SECRETS_PKCS11_PIN_FILE: '/run/pin' }).seal?.provider, 'pkcs11');
  });

  it('never puts the PIN in an error message', () => {
    try {
      loadConfig({ ...PKCS11, SECRETS_PKCS11_PIN_FILE: '/run/pin', SECRETS_PKCS11_PIN: 'pin-marker-9911' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.doesNotMatch(String(error), /pin-marker-9911/);
    }
  });
});

describe('sealed keyring documents', () => {
  const entry = { sealed: Buffer.alloc(60, 1).toString('base64'), by: 'arn:aws:kms:us-east-1:1:key/a' };
  const sealed = { id: 'ring-1', seal: 'awskms', active: 'k1', keys: { k1: entry }, audit: entry };

  it('reads entries sealed by a seal key, and refuses what a sealed keyring cannot be', () => {
    const doc = parseKeyring(JSON.stringify(sealed), 'k.json');
    assert.equal(doc.seal, 'awskms');
    assert.deepEqual(doc.keys.get('k1'), { sealed: Buffer.alloc(60, 1), by: entry.by });
    const broken: Array<[object, RegExp]> = [
      [{ ...sealed, seal: 'rot13' }, /"seal" must be pkcs11 or awskms/],
      [{ ...sealed, id: undefined }, /a sealed keyring needs its "id"/],
      [{ ...sealed, audit: undefined }, /a sealed keyring needs its "audit" entry/],
      [{ ...sealed, keys: { k1: Buffer.alloc(32).toString('base64') } }, /key "k1" must be \{"sealed"/],
      [{ ...sealed, keys: { k1: { sealed: entry.sealed, by: '' } } }, /key "k1" must be \{"sealed"/],
      [{ ...sealed, keys: { k1: { sealed: Buffer.alloc(5000).toString('base64'), by: entry.by } } }, /key "k1" must be \{"sealed"/],
      [{ ...sealed, seal: undefined }, /key "k1" must be 32 bytes of base64/],
    ];
    for (const [doc, problem] of broken) assert.throws(() => parseKeyring(JSON.stringify(doc), 'k.json'), problem);
  });
});

describe('seal retry backoff', () => {
  it('doubles from the base up to the cap, and jitters below it', () => {
    const policy = { baseMs: 250, capMs: 30_000, maxAttempts: Infinity };
    assert.deepEqual(
      [1, 2, 3, 4, 8, 9, 50].map((attempt) => backoffMs(attempt, policy, () => 1)),
      [250, 500, 1000, 2000, 30_000, 30_000, 30_000],
    );
    assert.equal(
      backoffMs(3, policy, () => 0),
      0,
    );
    assert.equal(
      backoffMs(3, policy, () => 0.5),
      500,
    );
  });
});
