/**
 * The PKCS#11 seal end to end, against a real SoftHSM2 token and real
 * `serve` processes: a plain keyring is sealed and served, rotated and
 * retired while serving, refused with a wrong PIN or a missing key, and
 * nothing (key, PIN) shows up where it must not.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseKeyring } from '../../src/keyring/keyring-file';
import { tempDir } from '../support/databases';
import { runCli, type RunningServer } from '../support/processes';
import { createSoftHsmToken, type SoftHsmToken } from '../support/softhsm';
import { assertNothingLeaks, keyringKeys, secretsApi, watchedServers, type PlainKeys } from '../support/seal-checks';

describe('the keyring sealed by a PKCS#11 HSM (SoftHSM2)', () => {
  let cwd: string;
  let hsm: SoftHsmToken;
  let keyringFile: string;
  let plainKeys: PlainKeys;
  let sealedEnv: Record<string, string>;
  /** Every line a process printed, and every error body: searched for keys and the PIN at the end. */
  const seen: string[] = [];

  const cli = (args: string[], env: Record<string, string> = sealedEnv) => {
    const result = runCli(args, { cwd, env });
    seen.push(result.stdout, result.stderr);
    return result;
  };
  const servers = watchedServers(seen);
  const serve = (env: Record<string, string> = sealedEnv) => servers.start(cwd, env);
  const stop = (server: RunningServer) => servers.stop(server);

  before(async () => {
    cwd = tempDir('scoped-secrets-e2e-');
    hsm = createSoftHsmToken();
    sealedEnv = { ...hsm.env, SECRETS_SEAL: 'pkcs11' };
    keyringFile = path.join(cwd, 'data', 'keyring.json');
    // A first start without a seal, and two secrets stored under the plain keyring.
    const plain = await serve({});
    const api = secretsApi(plain, cwd, seen);
    await api.put('ci/db', { password: 'first-marker' });
    await api.put('ci/api', { token: 'second-marker' });
    await stop(plain);
    plainKeys = keyringKeys(keyringFile);
  });
  after(async () => {
    await servers.killAll();
    fs.rmSync(cwd, { recursive: true, force: true });
    hsm.remove();
  });

  it('refuses to seal under a key label the token does not hold, naming it and the way to create it', () => {
    const result = cli(['keys', 'seal', '--to', 'pkcs11'], hsm.env);
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr,
      'scoped-secrets: the seal failed: pkcs11 key labelled keyring-seal on token scoped-secrets-test: no AES key labelled keyring-seal (SECRETS_PKCS11_KEY_LABEL) on token scoped-secrets-test; keys seal --to pkcs11 --create-key creates one\n',
    );
    assert.deepEqual(keyringKeys(keyringFile), plainKeys, 'the keyring is left as it was');
  });

  it('seals a plain keyring, leaving no key material in the file', () => {
    const result = cli(['keys', 'seal', '--to', 'pkcs11', '--create-key'], hsm.env);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^sealed 2 entries under pkcs11:token=scoped-secrets-test;object=keyring-seal;id=(%[0-9a-f]{2}){8}\n$/);
    const text = fs.readFileSync(keyringFile, 'utf8');
    const doc = parseKeyring(text, keyringFile);
    assert.equal(doc.seal, 'pkcs11');
    assert.deepEqual([...doc.keys.keys()], [...plainKeys.keys.keys()]);
    assertNothingLeaks([text, fs.readFileSync(keyringFile)], plainKeys, []);
    assert.equal(fs.statSync(keyringFile).mode & 0o777, 0o600);
  });

  it('serves the secrets stored before, once unsealed by the HSM', async () => {
    const server = await serve();
    try {
      const api = secretsApi(server, cwd, seen);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      assert.deepEqual(await api.get('ci/db'), { password: 'first-marker' });
      assert.deepEqual(await api.get('ci/api'), { token: 'second-marker' });
      // The HSM answered at once: no sealed interlude.
      assert.doesNotMatch(server.output(), /still sealed|could not unseal/);
    } finally {
      await stop(server);
    }
  });

  it('keys status shows the seal key and what it seals', () => {
    const result = cli(['keys', 'status']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /\nseal: pkcs11\n {2}pkcs11:token=scoped-secrets-test;object=keyring-seal;id=\S+\tseals 2 of 2 entries\tcurrent\n$/,
    );
  });

  it('rotates and retires while a sealed replica serves, the new key sealed too', async () => {
    const server = await serve();
    try {
      const api = secretsApi(server, cwd, seen);
      const [oldKeyId] = [...plainKeys.keys.keys()];
      const rotated = cli(['keys', 'rotate', '--json']);
      assert.equal(rotated.status, 0, rotated.stderr);
      const { activeKeyId, rewrapped } = JSON.parse(rotated.stdout) as { activeKeyId: string; rewrapped: number };
      assert.equal(rewrapped, 3, 'two secret versions and the token signing key');
      const doc = parseKeyring(fs.readFileSync(keyringFile, 'utf8'), keyringFile);
      assert.equal(doc.active, activeKeyId);
      assert.equal(doc.seal, 'pkcs11');

      // The replica picks up the new key from the file (unsealing it) and reads what was re-wrapped under it.
      assert.deepEqual(await api.get('ci/db'), { password: 'first-marker' });
      await api.put('ci/new', { note: 'third-marker' });
      assert.deepEqual(await api.get('ci/new'), { note: 'third-marker' });

      const retired = cli(['keys', 'retire', oldKeyId as string]);
      assert.equal(retired.status, 0, retired.stderr);
      assert.deepEqual([...parseKeyring(fs.readFileSync(keyringFile, 'utf8'), keyringFile).keys.keys()], [activeKeyId]);
      assert.deepEqual(await api.get('ci/api'), { token: 'second-marker' });
    } finally {
      await stop(server);
    }
    // A fresh replica opens the rotated keyring.
    const fresh = await serve();
    try {
      assert.deepEqual(await secretsApi(fresh, cwd, seen).get('ci/new'), { note: 'third-marker' });
    } finally {
      await stop(fresh);
    }
  });

  it('never serves with a wrong PIN, and says why in one line without the PIN', async () => {
    for (const env of [
      { SECRETS_PKCS11_PIN: '0000-0000' },
      { SECRETS_PKCS11_PIN: '', SECRETS_PKCS11_PIN_FILE: writePinFile('1111-1111') },
    ] as Array<Record<string, string>>) {
      const result = runCli(['serve', '--port', '0'], { cwd, env: { ...sealedEnv, ...env } });
      seen.push(result.stdout, result.stderr);
      assert.equal(result.status, 1);
      assert.doesNotMatch(result.stderr + result.stdout, /listening/);
      assert.match(
        result.stderr,
        /^scoped-secrets: cannot unseal the keyring: pkcs11 key pkcs11:token=scoped-secrets-test;object=keyring-seal;id=\S+: the token refused the PIN \(CKR_PIN_INCORRECT\)\n$/,
      );
      assert.doesNotMatch(result.stderr + result.stdout, /0000-0000|1111-1111/);
    }
  });

  function writePinFile(pin: string): string {
    const file = path.join(cwd, 'wrong-pin');
    fs.writeFileSync(file, `${pin}\n`, { mode: 0o600 });
    return file;
  }

  it('refuses a plaintext keyring while a seal is configured, and a sealed one without', async () => {
    const sealedWithout = runCli(['serve', '--port', '0'], { cwd, env: {} });
    assert.equal(sealedWithout.status, 1);
    assert.equal(
      sealedWithout.stderr,
      `scoped-secrets: ./data/keyring.json is sealed with pkcs11: set SECRETS_SEAL=pkcs11 and its settings\n`,
    );

    const unsealed = cli(['keys', 'unseal']);
    assert.equal(unsealed.status, 1);
    assert.match(unsealed.stderr, /run it again with --yes/);
    assert.equal(parseKeyring(fs.readFileSync(keyringFile, 'utf8'), keyringFile).seal, 'pkcs11');
  });

  it('unseals back to a plain keyring with --yes, which a sealed service then refuses', async () => {
    const sealedKeys = fs.readFileSync(keyringFile, 'utf8');
    const result = cli(['keys', 'unseal', '--yes']);
    assert.equal(result.status, 0, result.stderr);
    const plain = keyringKeys(keyringFile);
    assert.equal(plain.keys.size, 1);

    const refused = runCli(['serve', '--port', '0'], { cwd, env: sealedEnv });
    assert.equal(refused.status, 1);
    assert.equal(
      refused.stderr,
      'scoped-secrets: SECRETS_SEAL is pkcs11, but ./data/keyring.json holds its keys in plaintext: seal it first with scoped-secrets keys seal --to pkcs11\n',
    );

    const server = await serve({});
    try {
      assert.deepEqual(await secretsApi(server, cwd, seen).get('ci/new'), { note: 'third-marker' });
    } finally {
      await stop(server);
    }
    // The key rotated in under the seal, and the audit key, never appeared in any output, nor in the sealed file.
    const dataFiles = fs
      .readdirSync(path.join(cwd, 'data'))
      .filter((name) => name !== 'keyring.json')
      .map((name) => fs.readFileSync(path.join(cwd, 'data', name)));
    assertNothingLeaks([sealedKeys, ...seen, ...dataFiles], plain, [hsm.pin]);
    assertNothingLeaks([...seen, ...dataFiles], plainKeys, [hsm.pin]);
  });
});
