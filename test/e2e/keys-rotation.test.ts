/** keys rotate over 10,000 secrets, interrupted and resumed, with keys retire before and after. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config';
import { Envelope } from '../../src/crypto/envelope';
import { parseKeyring } from '../../src/keyring/keyring-file';
import { LocalKeyring } from '../../src/keyring/local-keyring';
import { connectDatabase } from '../../src/storage/knex/connect';
import { tempDir } from '../support/databases';
import { runCli, startCli, startServer, type RunningServer } from '../support/processes';
import { numberedKeys, seedSecrets } from '../support/seed';

const SECRETS = 10_000;
const KEYS = numberedKeys('rot', SECRETS);

describe('keys rotate, status and retire', () => {
  let cwd: string;
  let server: RunningServer;
  let dbUrl: string;
  let keyringFile: string;
  let oldKeyId: string;

  before(async () => {
    cwd = tempDir('scoped-secrets-e2e-');
    server = await startServer({ cwd });
    dbUrl = `sqlite:${path.join(cwd, 'data', 'secrets.db')}`;
    keyringFile = path.join(cwd, 'data', 'keyring.json');
    oldKeyId = new LocalKeyring(keyringFile).activeKeyId;
    await seedSecrets({ db: dbUrl, keyringFile, keys: KEYS, value: (_key, n) => ({ n }), expiresAt: Date.now() + 86_400_000 });
  });
  after(async () => {
    await server.stop('SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const cli = (args: string[]) => runCli(args, { cwd });

  async function everySecretReadable(): Promise<void> {
    const knex = connectDatabase(loadConfig({ SECRETS_DB: dbUrl }).db);
    const envelope = new Envelope(new LocalKeyring(keyringFile));
    try {
      for (const [n, key] of KEYS.entries()) {
        const found = (await knex('secret_versions').where({ key, version: 1 }).first()) as
          { kek_id: string; wrapped_key: Buffer; ciphertext: Buffer } | undefined;
        assert.ok(found, key);
        const encrypted = { keyId: found.kek_id, wrappedKey: found.wrapped_key, ciphertext: found.ciphertext };
        assert.deepEqual(JSON.parse((await envelope.decrypt(encrypted, { key, version: 1 })).toString()), { n });
      }
    } finally {
      await knex.destroy();
    }
  }

  const PLAIN_SEAL = 'seal: none (the keys are in plaintext in ./data/keyring.json)';

  it('keys status shows each key with the versions it wraps', () => {
    const status = cli(['keys', 'status']);
    assert.equal(status.status, 0, status.stderr);
    assert.equal(status.stdout, `${oldKeyId}\t${SECRETS} secret versions\tactive\n${PLAIN_SEAL}\n`);
  });

  it('an interrupted rotation leaves every secret readable and the old key unretirable', async () => {
    const rotation = startCli(['keys', 'rotate', '--batch-size', '100'], { cwd, env: {} });
    rotation.child.stderr?.on('data', () => {
      const done = Math.max(0, ...[...rotation.output.stderr.matchAll(/re-wrapped (\d+)\//g)].map((match) => Number(match[1])));
      if (done >= 300) rotation.child.kill('SIGKILL');
    });
    const { signal } = await rotation.exited;
    assert.equal(signal, 'SIGKILL', `the rotation finished before it could be interrupted:\n${rotation.output.stderr}`);
    const newKeyId = parseKeyring(fs.readFileSync(keyringFile, 'utf8'), keyringFile).active;
    assert.notEqual(newKeyId, oldKeyId);

    const retire = cli(['keys', 'retire', oldKeyId]);
    assert.equal(retire.status, 2);
    assert.match(retire.stderr, new RegExp(`refusing to retire ${oldKeyId}: it still wraps \\d+ secret versions`));
    await everySecretReadable();
    const sample = await fetch(`${server.url}/v1/secret/${KEYS[42]}`, {
      headers: { Authorization: `Bearer ${fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim()}` },
    });
    assert.deepEqual(((await sample.json()) as { value: unknown }).value, { n: 42 });
  });

  it('running it again resumes to the same key, then the old key retires', async () => {
    const target = parseKeyring(fs.readFileSync(keyringFile, 'utf8'), keyringFile).active;
    const resumed = cli(['keys', 'rotate']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`^resuming the rotation to ${target}: \\d+ data keys to re-wrap\\n`));
    assert.match(resumed.stdout, new RegExp(`^rotated to ${target}: re-wrapped \\d+ data keys\\n$`));
    assert.equal(
      cli(['keys', 'status']).stdout,
      `${oldKeyId}\t0 secret versions\n${target}\t${SECRETS} secret versions\tactive\n${PLAIN_SEAL}\n`,
    );

    await everySecretReadable();
    const retire = cli(['keys', 'retire', oldKeyId]);
    assert.equal(retire.status, 0, retire.stderr);
    assert.deepEqual([...parseKeyring(fs.readFileSync(keyringFile, 'utf8'), keyringFile).keys.keys()], [target]);
    assert.equal(fs.statSync(keyringFile).mode & 0o777, 0o600);
    await everySecretReadable();
    assert.equal(cli(['keys', 'retire', target]).status, 2, 'the active key, still in use, cannot be retired');
  });
});
