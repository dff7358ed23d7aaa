/**
 * The AWS KMS seal end to end: real `serve` processes and the real AWS SDK,
 * against the KMS stand-in of test/support (no real KMS is reached).
 * Throttling and 5xx are backed off and logged, readiness stays red while
 * KMS is out of reach, a moved alias is resealed, and no key leaks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isSealedEntry, parseKeyring, readKeyringFile } from '../../src/keyring/keyring-file';
import { tempDir } from '../support/databases';
import { KmsStandIn } from '../support/kms-stand-in';
import { runCliAsync, waitFor, type RunningServer } from '../support/processes';
import { assertNothingLeaks, keyringKeys, secretsApi, watchedServers, type PlainKeys } from '../support/seal-checks';
import { kmsEnvironment } from '../support/seal-environments';

const ALIAS = 'alias/scoped-secrets';

function sealKeysOf(file: string): string[] {
  const doc = readKeyringFile(file);
  return [...new Set([...doc.keys.values(), doc.audit].map((entry) => (isSealedEntry(entry) ? entry.by : 'plain')))];
}

async function readiness(server: RunningServer): Promise<number> {
  return (await fetch(`${server.url}/readyz`)).status;
}

describe('the keyring sealed by AWS KMS (the real SDK against a local KMS stand-in)', () => {
  const kms = new KmsStandIn();
  let cwd: string;
  let keyringFile: string;
  let plainKeys: PlainKeys;
  let env: Record<string, string>;
  let first: { id: string; arn: string };
  const seen: string[] = [];

  const cli = async (args: string[], extra: Record<string, string> = {}) => {
    const result = await runCliAsync(args, { cwd, env: { ...env, ...extra } });
    seen.push(result.stdout, result.stderr);
    return result;
  };
  const servers = watchedServers(seen);
  const serve = (where = cwd) => servers.start(where, env);
  const stop = (server: RunningServer) => servers.stop(server);

  before(async () => {
    first = kms.createKey();
    kms.setAlias(ALIAS, first.id);
    env = { ...kmsEnvironment(await kms.start()), SECRETS_AWSKMS_KEY_ID: ALIAS };
    cwd = tempDir('scoped-secrets-e2e-');
    keyringFile = path.join(cwd, 'data', 'keyring.json');
    const plain = await serve();
    const api = secretsApi(plain, cwd, seen);
    await api.put('ci/db', { password: 'kms-first-marker' });
    await stop(plain);
    plainKeys = keyringKeys(keyringFile);
    env = { ...env, SECRETS_SEAL: 'awskms' };
  });
  after(async () => {
    await servers.killAll();
    await kms.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('seals a plain keyring under the key the alias names, bound to the keyring id', async () => {
    const result = await cli(['keys', 'seal', '--to', 'awskms', '--json'], { SECRETS_SEAL: '' });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { sealKey: first.arn, entries: 2, staleSealKeys: [] });
    const text = fs.readFileSync(keyringFile, 'utf8');
    const doc = parseKeyring(text, keyringFile);
    assert.equal(doc.seal, 'awskms');
    assert.deepEqual(sealKeysOf(keyringFile), [first.arn]);
    assertNothingLeaks([text], plainKeys, []);
    const contexts = kms.callsOf('Encrypt').map((call) => call.encryptionContext);
    assert.deepEqual(
      contexts,
      [...plainKeys.keys.keys(), 'audit'].map((entry) => ({ 'scoped-secrets:keyring': doc.id, 'scoped-secrets:entry': entry })),
    );
  });

  it('backs off through throttling and 5xx, one log line per attempt, then serves without calling KMS per request', async () => {
    kms.injectFaults('throttle', '5xx', 'throttle');
    const server = await serve();
    try {
      await waitFor(async () => ((await readiness(server)) === 200 ? true : undefined), 30_000, 'readiness');
      const attempts = server
        .output()
        .split('\n')
        .filter((line) => line.includes('could not unseal the keyring'));
      assert.equal(attempts.length, 3, server.output());
      const reasons = attempts.map((line) => JSON.parse(line) as { provider: string; sealKey: string; reason: string; msg: string });
      assert.deepEqual(
        reasons.map((line) => [line.provider, line.sealKey]),
        Array(3).fill(['awskms', first.arn]),
      );
      assert.match(
        reasons[0]?.msg ?? '',
        /^could not unseal the keyring with awskms key arn:aws:kms:\S+: ThrottlingException: Rate exceeded \(HTTP 400\) \(attempt 1, retrying in \d+\.\d s\)$/,
      );
      assert.match(reasons[1]?.reason ?? '', /^KMSInternalException: .* \(HTTP 500\)$/);
      assert.match(server.output(), /the keyring is unsealed: serving on http/);

      const api = secretsApi(server, cwd, seen);
      const callsBefore = kms.calls.length;
      for (let n = 0; n < 20; n++) assert.deepEqual(await api.get('ci/db'), { password: 'kms-first-marker' });
      await api.put('ci/more', { n: 1 });
      assert.deepEqual(await api.get('ci/more'), { n: 1 });
      assert.equal(kms.calls.length, callsBefore, 'requests use the keys in memory');
    } finally {
      await stop(server);
    }
  });

  it('keeps readiness red and secret routes at 503 while KMS is out of reach, and serves once it is back', async () => {
    await kms.down();
    let server: RunningServer;
    try {
      server = await serve();
      const sealedLine = /the keyring is still sealed, so every request but \/healthz gets 503 until it opens/;
      await waitFor(async () => (sealedLine.test(server.output()) ? true : undefined), 5_000, 'the sealed listening line');
      const api = secretsApi(server, cwd, seen);
      for (let round = 0; round < 3; round++) {
        const ready = await fetch(`${server.url}/readyz`);
        assert.equal(ready.status, 503);
        assert.equal(((await ready.json()) as { code: string }).code, 'Unavailable');
        const read = await api.status('ci/db');
        assert.equal(read.status, 503);
        assert.match(read.body, /"code":"Unavailable","message":"the keyring is still sealed/);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; sealed?: boolean };
      assert.deepEqual([health.status, health.sealed], ['ok', true]);
      assert.match(server.output(), /"reason":"KMS is out of reach \(ECONNREFUSED\)"/);
    } finally {
      await kms.up();
    }
    await waitFor(async () => ((await readiness(server)) === 200 ? true : undefined), 40_000, 'readiness after KMS came back');
    assert.deepEqual(await secretsApi(server, cwd, seen).get('ci/db'), { password: 'kms-first-marker' });
    await stop(server);
  });

  it('reseals after the alias moved, reports the old key as stale, and no longer needs it', async () => {
    const second = kms.createKey();
    kms.setAlias(ALIAS, second.id);
    const status = await cli(['keys', 'status', '--json']);
    assert.equal(status.status, 0, status.stderr);
    const { seal } = JSON.parse(status.stdout) as {
      seal: { provider: string; currentKey: string; sealKeys: Array<{ key: string; entries: number; current: boolean }> };
    };
    assert.deepEqual(seal.sealKeys, [{ key: first.arn, entries: 2, current: false }]);
    assert.equal(seal.currentKey, second.arn);
    assert.match((await cli(['keys', 'status'])).stdout, /the seal's current key is \S+: run keys reseal\n$/);

    const resealed = await cli(['keys', 'reseal']);
    assert.equal(resealed.status, 0, resealed.stderr);
    assert.equal(
      resealed.stdout,
      `resealed 2 entries under ${second.arn}\nthese seal keys no longer seal anything in this keyring; schedule them for deletion once no backup needs them:\n  ${first.arn}\n`,
    );
    assert.deepEqual(sealKeysOf(keyringFile), [second.arn]);

    kms.disableKey(first.id);
    const server = await serve();
    try {
      assert.deepEqual(await secretsApi(server, cwd, seen).get('ci/db'), { password: 'kms-first-marker' });
    } finally {
      await stop(server);
    }
  });

  it('refuses an entry moved to another key id: the encryption context does not match', async () => {
    const original = fs.readFileSync(keyringFile, 'utf8');
    try {
      const doc = JSON.parse(original) as { keys: Record<string, unknown>; audit: unknown };
      const [id] = Object.keys(doc.keys);
      doc.keys[id as string] = doc.audit;
      fs.writeFileSync(keyringFile, JSON.stringify(doc), { mode: 0o600 });
      const result = await cli(['serve', '--port', '0']);
      assert.equal(result.status, 1);
      assert.match(
        result.stderr,
        /^scoped-secrets: cannot unseal the keyring: awskms key \S+: InvalidCiphertextException: the key does not open the entry/,
      );
      assert.doesNotMatch(result.stdout + result.stderr, /listening/);
    } finally {
      fs.writeFileSync(keyringFile, original, { mode: 0o600 });
    }
  });

  it('creates a keyring sealed from the start on a first start with a seal', async () => {
    const fresh = tempDir('scoped-secrets-e2e-');
    try {
      const server = await serve(fresh);
      assert.match(server.output(), /created the keyring \S+keyring\.json, sealed with awskms/);
      await stop(server);
      assert.equal(readKeyringFile(path.join(fresh, 'data', 'keyring.json')).seal, 'awskms');
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('never shows a key-encryption key, the audit key or the AWS secret in any output, error body or file', () => {
    const files = fs.readdirSync(path.join(cwd, 'data')).map((name) => fs.readFileSync(path.join(cwd, 'data', name)));
    const everyKeySealed = kms.plaintexts;
    assert.ok(everyKeySealed.length >= 4);
    for (const key of everyKeySealed) {
      assertNothingLeaks([...seen, ...files], { keys: new Map([['k', key]]), audit: key }, [env.AWS_SECRET_ACCESS_KEY as string]);
    }
  });
});
