import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { addActiveKey, createKeyringIfMissing } from '../../src/keyring/keyring-changes';
import type { Seal } from '../../src/seal/seal';
import { tempDir } from '../support/databases';

/** A seal that must never be asked: the change is refused before it would be. */
const unusedSeal: Seal = {
  provider: 'pkcs11',
  currentKey: () => Promise.reject(new Error('not asked')),
  seal: () => Promise.reject(new Error('not asked')),
  unseal: () => Promise.reject(new Error('not asked')),
  close: async () => {},
};

describe('keyring changes under a seal', () => {
  it('refuses to add a key to a plain keyring while a seal is configured, leaving the file as it was', async () => {
    const file = path.join(tempDir(), 'keyring.json');
    createKeyringIfMissing(file, new Date());
    const before = fs.readFileSync(file, 'utf8');
    await assert.rejects(addActiveKey(file, new Date(), unusedSeal), /SECRETS_SEAL is pkcs11, but \S+ holds its keys in plaintext/);
    assert.equal(fs.readFileSync(file, 'utf8'), before);
    assert.equal(fs.existsSync(`${file}.lock`), false);
  });
});
