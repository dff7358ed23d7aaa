import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AwsKmsSeal } from '../../src/seal/awskms-seal';
import { SealError } from '../../src/seal/seal';
import { withSealRetries, type FailedAttempt } from '../../src/seal/seal-retries';
import { KmsStandIn } from '../support/kms-stand-in';
import { kmsEnvironment } from '../support/seal-environments';

describe('the AWS KMS seal, through the real SDK against the local KMS stand-in', () => {
  const kms = new KmsStandIn();
  let first: { id: string; arn: string };
  const context = { keyringId: 'ring-1', entry: 'k1' };

  before(async () => {
    Object.assign(process.env, kmsEnvironment(await kms.start()));
    first = kms.createKey();
    kms.setAlias('alias/scoped-secrets', first.id);
  });
  after(() => kms.close());

  const seal = () => new AwsKmsSeal({ provider: 'awskms', keyId: 'alias/scoped-secrets' });

  it('seals under the alias, records the key ARN, and binds the keyring id in the encryption context', async () => {
    const key = Buffer.alloc(32, 9);
    const sealed = await seal().seal(key, context);
    assert.equal(sealed.by, first.arn);
    assert.equal(sealed.sealed.includes(key), false);
    assert.deepEqual(kms.callsOf('Encrypt').at(-1)?.encryptionContext, {
      'scoped-secrets:keyring': 'ring-1',
      'scoped-secrets:entry': 'k1',
    });
    assert.deepEqual(await seal().unseal(sealed, context), key);
    const decrypt = kms.callsOf('Decrypt').at(-1);
    assert.equal(decrypt?.keyId, first.arn);
  });

  it('does not open an entry moved to another keyring or entry, and says so without retrying', async () => {
    const sealed = await seal().seal(Buffer.alloc(32, 1), context);
    for (const moved of [
      { keyringId: 'ring-2', entry: 'k1' },
      { keyringId: 'ring-1', entry: 'audit' },
    ]) {
      await assert.rejects(seal().unseal(sealed, moved), (error: unknown) => {
        assert.ok(error instanceof SealError);
        assert.equal(error.transient, false);
        assert.match(error.message, new RegExp(`^awskms key ${first.arn}: InvalidCiphertextException: `));
        return true;
      });
    }
  });

  it('names where the alias points now, and the new key after the alias moved', async () => {
    assert.equal(await seal().currentKey(), first.arn);
    const second = kms.createKey();
    kms.setAlias('alias/scoped-secrets', second.id);
    try {
      assert.equal(await seal().currentKey(), second.arn);
      assert.equal((await seal().seal(Buffer.alloc(32), context)).by, second.arn);
    } finally {
      kms.setAlias('alias/scoped-secrets', first.id);
    }
  });

  it('treats throttling, 5xx and a refused connection as transient, and backs off until it succeeds', async () => {
    kms.injectFaults('throttle', '5xx', 'throttle');
    const failures: FailedAttempt[] = [];
    const key = await withSealRetries(
      () => seal().currentKey(),
      { baseMs: 20, capMs: 100, maxAttempts: 10 },
      (failed) => void failures.push(failed),
    );
    assert.equal(key, first.arn);
    assert.deepEqual(
      failures.map((failed) => [failed.attempt, failed.error.transient]),
      [
        [1, true],
        [2, true],
        [3, true],
      ],
    );
    assert.match(failures[0]?.error.message ?? '', /^awskms key alias\/scoped-secrets: ThrottlingException: Rate exceeded \(HTTP 400\)$/);
    assert.match(failures[1]?.error.message ?? '', /KMSInternalException.*\(HTTP 500\)$/);
    for (const failed of failures) assert.ok((failed.retryInMs ?? -1) >= 0 && (failed.retryInMs ?? 1000) <= 100);

    await kms.down();
    try {
      await assert.rejects(
        seal().currentKey(),
        (error: unknown) => error instanceof SealError && error.transient && /out of reach \(ECONNREFUSED\)/.test(error.message),
      );
    } finally {
      await kms.up();
    }
  });

  it('gives up after the attempts a command allows, and fails at once on an unknown key', async () => {
    kms.injectFaults('throttle', 'throttle', 'throttle');
    const failures: FailedAttempt[] = [];
    await assert.rejects(
      withSealRetries(
        () => seal().currentKey(),
        { baseMs: 1, capMs: 5, maxAttempts: 3 },
        (failed) => void failures.push(failed),
      ),
      SealError,
    );
    assert.deepEqual(
      failures.map((failed) => failed.retryInMs === undefined),
      [false, false, true],
    );

    const missing = new AwsKmsSeal({ provider: 'awskms', keyId: 'alias/nobody' });
    let attempts = 0;
    await assert.rejects(
      withSealRetries(
        () => (attempts++, missing.currentKey()),
        { baseMs: 1, capMs: 5, maxAttempts: 5 },
        () => {},
      ),
      (error: unknown) => error instanceof SealError && !error.transient && /NotFoundException/.test(error.message),
    );
    assert.equal(attempts, 1);
  });
});
