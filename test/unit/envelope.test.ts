import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Envelope } from '../../src/crypto/envelope';
import { createKeyringIfMissing } from '../../src/keyring/keyring-changes';
import { parseKeyring, serializeKeyring } from '../../src/keyring/keyring-file';
import { LocalKeyring } from '../../src/keyring/local-keyring';
import { tempDir } from '../support/databases';

function freshKeyring(): { file: string; keyring: LocalKeyring } {
  const file = path.join(tempDir(), 'keyring.json');
  assert.equal(createKeyringIfMissing(file, new Date()), true);
  return { file, keyring: new LocalKeyring(file) };
}

describe('envelope encryption', () => {
  const plaintext = Buffer.from('{"password":"marker-value"}');

  it('opens what it sealed', async () => {
    const envelope = new Envelope(freshKeyring().keyring);
    const encrypted = await envelope.encrypt(plaintext, { key: 'ci/a', version: 1 });
    assert.ok(!encrypted.ciphertext.includes(plaintext));
    assert.deepEqual(await envelope.decrypt(encrypted, { key: 'ci/a', version: 1 }), plaintext);
  });

  it('uses a fresh data key and IV each time', async () => {
    const envelope = new Envelope(freshKeyring().keyring);
    const a = await envelope.encrypt(plaintext, { key: 'ci/a', version: 1 });
    const b = await envelope.encrypt(plaintext, { key: 'ci/a', version: 1 });
    assert.notDeepEqual(a.wrappedKey, b.wrappedKey);
    assert.notDeepEqual(a.ciphertext, b.ciphertext);
  });

  it('binds the ciphertext to its key and version', async () => {
    const envelope = new Envelope(freshKeyring().keyring);
    const encrypted = await envelope.encrypt(plaintext, { key: 'ci/a', version: 2 });
    await assert.rejects(envelope.decrypt(encrypted, { key: 'ci/b', version: 2 }));
    await assert.rejects(envelope.decrypt(encrypted, { key: 'ci/a', version: 1 }));
  });

  it('detects a flipped byte', async () => {
    const envelope = new Envelope(freshKeyring().keyring);
    const encrypted = await envelope.encrypt(plaintext, { key: 'k', version: 1 });
    const tampered = Buffer.from(encrypted.ciphertext);
    tampered.writeUInt8(tampered.readUInt8(15) ^ 1, 15);
    await assert.rejects(envelope.decrypt({ ...encrypted, ciphertext: tampered }, { key: 'k', version: 1 }));
  });

  it('does not open with another keyring', async () => {
    const encrypted = await new Envelope(freshKeyring().keyring).encrypt(plaintext, { key: 'k', version: 1 });
    const other = freshKeyring().keyring;
    await assert.rejects(new Envelope(other).decrypt(encrypted, { key: 'k', version: 1 }));
  });
});

describe('local keyring', () => {
  it('is created with mode 0600 and one active 32-byte key', () => {
    const { file, keyring } = freshKeyring();
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const contents = parseKeyring(fs.readFileSync(file, 'utf8'), file);
    assert.equal(contents.keys.size, 1);
    assert.equal((contents.keys.get(keyring.activeKeyId) as Buffer).length, 32);
    assert.equal(createKeyringIfMissing(file, new Date()), false);
  });

  it('re-reads the file when a row names a key it does not know yet', async () => {
    const { file, keyring } = freshKeyring();
    const writer = freshKeyring();
    const encrypted = await new Envelope(writer.keyring).encrypt(Buffer.from('{}'), { key: 'k', version: 1 });
    // Another replica added the writer's key to the shared file.
    const merged = parseKeyring(fs.readFileSync(file, 'utf8'), file);
    const writerKeys = parseKeyring(fs.readFileSync(writer.file, 'utf8'), writer.file);
    for (const [id, key] of writerKeys.keys) merged.keys.set(id, key);
    fs.writeFileSync(file, serializeKeyring(merged));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(await new Envelope(keyring).decrypt(encrypted, { key: 'k', version: 1 }), Buffer.from('{}'));
  });

  it('refuses a malformed keyring with a clear error', () => {
    const file = path.join(tempDir(), 'keyring.json');
    for (const text of [
      'not json',
      '{}',
      '{"active":"a","keys":{"a":"c2hvcnQ="}}',
      `{"active":"b","keys":{"a":"${randomBytes(32).toString('base64')}"}}`,
    ]) {
      fs.writeFileSync(file, text);
      assert.throws(() => new LocalKeyring(file), /keyring|key/);
    }
  });
});
