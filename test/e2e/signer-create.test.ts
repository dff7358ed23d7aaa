/**
 * keys signer create, run as an operator runs it on the server host: the
 * signing key made inside SoftHSM2 or the KMS stand-in, once; a second
 * run, or one without SECRETS_SIGNER, refuses with one line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Pkcs11TokenSigner } from '../../src/tokens/pkcs11-token-signer';
import { systemClock } from '../../src/common/clock';
import { tempDir } from '../support/databases';
import { KmsStandIn } from '../support/kms-stand-in';
import { runCli, startCli } from '../support/processes';
import { kmsEnvironment } from '../support/seal-environments';
import { createSoftHsmToken } from '../support/softhsm';

describe('keys signer create', () => {
  const cwd = tempDir('scoped-secrets-signer-');
  const hsm = createSoftHsmToken();
  const kms = new KmsStandIn();
  let kmsEnv: Record<string, string> = {};

  before(async () => {
    kmsEnv = kmsEnvironment(await kms.start());
  });
  after(async () => {
    await kms.close();
    hsm.remove();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('makes a non-extractable EC key pair on the PKCS#11 token, once', () => {
    const env = { ...hsm.env, SECRETS_SIGNER: 'pkcs11', SECRETS_SIGNER_PKCS11_KEY_LABEL: 'token-signer' };
    const created = runCli(['keys', 'signer', 'create'], { cwd, env });
    assert.equal(created.status, 0, created.stderr);
    assert.equal(created.stdout, `created the EC P-256 signing key token-signer on token ${hsm.env.SECRETS_PKCS11_TOKEN_LABEL}\n`);
    process.env.SOFTHSM2_CONF = hsm.env.SOFTHSM2_CONF;
    const signer = Pkcs11TokenSigner.open(
      {
        module: hsm.env.SECRETS_PKCS11_MODULE ?? '',
        tokenLabel: hsm.env.SECRETS_PKCS11_TOKEN_LABEL ?? '',
        pin: { value: hsm.pin },
        keyLabel: 'token-signer',
      },
      systemClock,
      {},
    );
    signer.close();
    const again = runCli(['keys', 'signer', 'create'], { cwd, env });
    assert.equal(again.status, 1);
    assert.equal(again.stderr, 'scoped-secrets: SECRETS_SIGNER_PKCS11_KEY_LABEL: the token already holds a key labelled token-signer\n');
  });

  it('makes an ECC_NIST_P256 SIGN_VERIFY key in KMS under the alias, once', async () => {
    const env = { ...kmsEnv, SECRETS_SIGNER: 'awskms', SECRETS_SIGNER_AWSKMS_KEY_ID: 'alias/prod/scoped-secrets-signer' };
    // Not spawnSync: the KMS stand-in answers from this process's event loop.
    const run = async () => {
      const started = startCli(['keys', 'signer', 'create'], { cwd, env });
      const { code: status, signal } = await started.exited;
      return { status, signal, ...started.output };
    };
    const created = await run();
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^created the KMS signing key arn:aws:kms:\S+ as alias\/prod\/scoped-secrets-signer\n$/);
    assert.ok(kms.publicKeyOf('alias/prod/scoped-secrets-signer'), 'the alias names a signing key');
    const again = await run();
    assert.equal(again.status, 1);
    assert.match(
      again.stderr,
      /^scoped-secrets: SECRETS_SIGNER_AWSKMS_KEY_ID: cannot create alias\/prod\/scoped-secrets-signer: AlreadyExistsException/,
    );
    const orphan = kms.callsOf('ScheduleKeyDeletion');
    assert.equal(orphan.length, 1, 'the key made for the taken alias is scheduled for deletion');
    assert.ok(kms.isDeletionScheduled(orphan[0]?.keyId ?? ''));
  });

  it('refuses without SECRETS_SIGNER naming an HSM or KMS', () => {
    const refused = runCli(['keys', 'signer', 'create'], { cwd, env: {} });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^scoped-secrets: set SECRETS_SIGNER to pkcs11 or awskms/);
  });
});
