import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { addActiveKey, addAuditKeyIfMissing, createKeyringIfMissing } from '../../src/keyring/keyring-changes';
import { LocalKeyring } from '../../src/keyring/local-keyring';
import { tempDir } from '../support/databases';

describe('the keyring audit key', () => {
  it('comes with every new keyring and survives rotation', async () => {
    const file = path.join(tempDir(), 'keyring.json');
    createKeyringIfMissing(file, new Date());
    const before = new LocalKeyring(file).auditKey;
    assert.equal(before.length, 32);
    await addActiveKey(file, new Date());
    assert.deepEqual(new LocalKeyring(file).auditKey, before);
  });

  it('is added once to a keyring written before the chain was keyed, keeping its keys', () => {
    const file = path.join(tempDir(), 'keyring.json');
    const old = { active: 'k1', keys: { k1: Buffer.alloc(32, 7).toString('base64') } };
    fs.writeFileSync(file, JSON.stringify(old), { mode: 0o600 });
    assert.throws(() => new LocalKeyring(file).auditKey, /no audit key/);
    assert.equal(addAuditKeyIfMissing(file), true);
    const added = new LocalKeyring(file).auditKey;
    assert.equal(addAuditKeyIfMissing(file), false);
    assert.deepEqual(new LocalKeyring(file).auditKey, added);
    assert.deepEqual(new LocalKeyring(file).keyIds, ['k1']);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.existsSync(`${file}.lock`), false);
  });
});
