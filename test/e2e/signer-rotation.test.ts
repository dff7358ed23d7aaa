/**
 * Signing keys in an HSM (SoftHSM2) and in AWS KMS (the real SDK against
 * the KMS stand-in), with real `serve` processes: a first start signs the
 * root token with the key the configuration names; `keys signer rotate`
 * makes the next key there and the service switches to it; a retired key
 * is destroyed on the token, or scheduled for deletion in KMS, with a
 * retry and a log line when KMS fails.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import * as pkcs11js from 'pkcs11js';
import { closePkcs11Session, openPkcs11Session } from '../../src/seal/pkcs11-session';
import { systemClock } from '../../src/common/clock';
import { Pkcs11SigningKeys } from '../../src/tokens/pkcs11-token-signer';
import { jwkThumbprint } from '../../src/tokens/signing-keys';
import { tempDir } from '../support/databases';
import { KmsStandIn } from '../support/kms-stand-in';
import { runCliAsync, startServer, waitFor, type RunningServer } from '../support/processes';
import { kmsEnvironment } from '../support/seal-environments';
import { createSoftHsmToken } from '../support/softhsm';

const kidOf = (token: string) => (jwt.decode(token, { complete: true }) as jwt.Jwt).header.kid as string;
/** Short-lived derived tokens and a fast sweeper, so that a superseded key is retired within seconds. */
const FAST = {
  SECRETS_JWKS_MAX_AGE: '0',
  SECRETS_MAX_TOKEN_TTL: '1',
  SECRETS_SWEEP_INTERVAL: '0.2',
  SECRETS_RATE_LIMIT: 'off',
  SECRETS_TOKEN_RATE_LIMIT: 'off',
};

async function deriveKid(server: RunningServer, parent: string): Promise<string> {
  const res = await fetch(`${server.url}/v1/tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${parent}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ scopes: ['secret:get:ci/**'], ttl: 60 }),
  });
  const body = (await res.json()) as { token?: string };
  assert.equal(res.status, 201, JSON.stringify(body));
  return kidOf(body.token as string);
}

async function rotate(cwd: string, env: Record<string, string>): Promise<string> {
  const rotated = await runCliAsync(['keys', 'signer', 'rotate', '--now', '--json'], { cwd, env });
  assert.equal(rotated.status, 0, rotated.stderr);
  return (JSON.parse(rotated.stdout) as { kid: string }).kid;
}

/** Starts serve, checks its root token against the served JWKS, and returns it with the root token. */
async function firstStart(cwd: string, env: Record<string, string>, expectedKid: string) {
  const server = await startServer({ cwd, env });
  const root = fs.readFileSync(path.join(cwd, 'data', 'root.token'), 'utf8').trim();
  assert.equal(kidOf(root), expectedKid, 'the root token is signed by the key the configuration names');
  const { payload } = await jwtVerify(
    root,
    createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`), { timeoutDuration: 30_000 }),
  );
  assert.equal(payload.sub, 'root');
  return { server, root };
}

describe('signing keys in an HSM, rotated, with serve (SoftHSM2)', () => {
  const cwd = tempDir('scoped-secrets-hsm-rotation-');
  const hsm = createSoftHsmToken();
  const env = { ...hsm.env, ...FAST, SECRETS_SIGNER: 'pkcs11', SECRETS_SIGNER_PKCS11_KEY_LABEL: 'token-signer' };
  let server: RunningServer | undefined;

  before(async () => {
    const created = await runCliAsync(['keys', 'signer', 'create'], { cwd, env });
    assert.equal(created.status, 0, created.stderr);
  });
  after(async () => {
    await server?.stop('SIGKILL');
    hsm.remove();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const token = () => ({
    module: hsm.env.SECRETS_PKCS11_MODULE ?? '',
    tokenLabel: hsm.env.SECRETS_PKCS11_TOKEN_LABEL ?? '',
    pin: { value: hsm.pin },
  });

  /** The labels of the EC private keys on the token. */
  function labels(): string[] {
    process.env.SOFTHSM2_CONF = hsm.env.SOFTHSM2_CONF;
    const session = openPkcs11Session(token(), { readWrite: false }, (reason) => new Error(reason));
    try {
      session.module.C_FindObjectsInit(session.handle, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
      const handles = session.module.C_FindObjects(session.handle, 64);
      session.module.C_FindObjectsFinal(session.handle);
      return handles.map((handle) => {
        const [label] = session.module.C_GetAttributeValue(session.handle, handle, [{ type: pkcs11js.CKA_LABEL }]);
        return Buffer.from(label?.value ?? []).toString('utf8');
      });
    } finally {
      closePkcs11Session(session);
    }
  }

  it('signs with the HSM key, rotates to a new pair on the token, and destroys a retired pair', async () => {
    // The first start reads the pair labelled token-signer: its kid is the thumbprint of the HSM's public key.
    process.env.SOFTHSM2_CONF = hsm.env.SOFTHSM2_CONF;
    const settings = { ...token(), keyLabel: 'token-signer' };
    const firstKid = (await new Pkcs11SigningKeys(settings, systemClock, {}).firstKey()).kid;
    const started = await firstStart(cwd, env, firstKid);
    server = started.server;
    const { root } = started;
    assert.equal(await deriveKid(server, root), firstKid);

    const second = await rotate(cwd, env);
    assert.equal(labels().length, 2, 'the next pair is made on the token');
    await waitFor(
      async () => ((await deriveKid(server as RunningServer, root)) === second ? true : undefined),
      30_000,
      'the new key to sign',
    );
    const third = await rotate(cwd, env);
    await waitFor(async () => (labels().length === 2 ? true : undefined), 60_000, 'the superseded pair to be destroyed');
    assert.ok(labels().includes('token-signer'), 'the first pair still verifies the 30-day root token');
    assert.equal(await deriveKid(server, root), third);
    const states = JSON.parse((await runCliAsync(['keys', 'signer', 'status', '--json'], { cwd, env })).stdout) as {
      keys: Array<{ kid: string; state: string; provider: string }>;
    };
    assert.deepEqual(
      states.keys.map((key) => [key.kid, key.provider, key.state]),
      [
        [firstKid, 'pkcs11', 'verifying'],
        [second, 'pkcs11', 'retired'],
        [third, 'pkcs11', 'active'],
      ],
    );
  });
});

describe('signing keys in AWS KMS, rotated, with serve (the KMS stand-in)', () => {
  const cwd = tempDir('scoped-secrets-kms-rotation-');
  const kms = new KmsStandIn();
  const alias = 'alias/prod/scoped-secrets-signer';
  let env: Record<string, string> = {};
  let server: RunningServer | undefined;
  let firstKeyId = '';

  before(async () => {
    env = { ...kmsEnvironment(await kms.start()), ...FAST, SECRETS_SIGNER: 'awskms', SECRETS_SIGNER_AWSKMS_KEY_ID: alias };
    firstKeyId = kms.createSigningKey().id;
    kms.setAlias(alias, firstKeyId);
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await kms.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('reads the public key once, rotates to a new KMS key under the alias, and schedules a retired key for deletion, retrying', async () => {
    const started = await firstStart(cwd, env, jwkThumbprint(kms.publicKeyOf(firstKeyId)));
    server = started.server;
    const { root } = started;
    assert.equal(kms.callsOf('GetPublicKey').length, 1, 'the public key is read once, at the first start');

    const second = await rotate(cwd, env);
    assert.equal(kms.callsOf('CreateKey').length, 1);
    assert.equal(kms.callsOf('UpdateAlias').length, 1, 'the alias moves to the new key');
    assert.equal(jwkThumbprint(kms.publicKeyOf(alias)), second, 'the alias names the newest key');
    await waitFor(
      async () => ((await deriveKid(server as RunningServer, root)) === second ? true : undefined),
      30_000,
      'the new key to sign',
    );
    const secondKeyId = kms.callsOf('Sign').at(-1)?.keyId ?? '';

    await rotate(cwd, env);
    // KMS fails the first deletion attempt (the SDK tries twice): a log line, then the next sweep succeeds.
    kms.injectFaults('5xx', '5xx');
    await waitFor(async () => (kms.isDeletionScheduled(secondKeyId) ? true : undefined), 60_000, 'the deletion to be scheduled');
    await waitFor(async () => (/could not retire a signing key/.test(server?.output() ?? '') ? true : undefined), 5_000, 'the log line');
    assert.equal(kms.isDeletionScheduled(firstKeyId), false, 'the first key still verifies the 30-day root token');
    const deletions = kms.callsOf('ScheduleKeyDeletion');
    assert.ok(deletions.length >= 2, 'retried after the failure');
    assert.ok(deletions.every((call) => call.keyId === secondKeyId));

    // Restarted, the service reads every key from its database: no KMS call at start.
    await server.stop('SIGTERM');
    const before = kms.calls.length;
    server = await startServer({ cwd, env });
    assert.equal(kms.calls.length, before, 'no KMS call at start');
    assert.equal((await fetch(`${server.url}/v1/whoami`, { headers: { Authorization: `Bearer ${root}` } })).status, 200);
  });
});
