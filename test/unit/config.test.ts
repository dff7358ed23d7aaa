import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    assert.deepEqual(config.db, { client: 'sqlite', filename: path.resolve('./data/secrets.db') });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.workers, 1);
    assert.equal(config.jwtSecret, undefined);
    assert.equal(config.keyringFile, './data/keyring.json');
    assert.equal(config.sweepIntervalMs, 60_000);
    assert.equal(config.maxSecretBytes, 1_048_576);
    assert.equal(config.maxTokenTtlSeconds, 86_400);
    assert.equal(config.historyVersions, 10);
    assert.equal(config.auditRetentionMs, 90 * 86_400_000);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.jwtLeewaySeconds, 0);
    assert.equal(config.jwksMaxAgeSeconds, 300);
    assert.deepEqual(config.signer, { provider: 'keyring' });
    assert.deepEqual(config.rateLimitSubject, { perSecond: 50, burst: 200 });
    assert.deepEqual(config.rateLimitAddress, { perSecond: 200, burst: 800 });
    assert.deepEqual(config.wrapQuota, { wraps: 1000, bytes: 16_777_216 });
    assert.ok(Object.isFrozen(config));
  });

  it('reads every variable', () => {
    const config = loadConfig({
      SECRETS_DB: 'postgres://u@db:5432/secrets',
      SECRETS_HOST: '0.0.0.0',
      SECRETS_PORT: '9000',
      SECRETS_WORKERS: '4',
      SECRETS_JWT_SECRET: 'x'.repeat(32),
      SECRETS_SWEEP_INTERVAL: '0.5',
      SECRETS_AUDIT_RETENTION: '12h',
      SECRETS_RATE_LIMIT: '600/m',
      SECRETS_RATE_LIMIT_ADDRESS: 'off',
      SECRETS_JWT_LEEWAY: '30',
      SECRETS_WRAP_QUOTA_WRAPS: '10',
      SECRETS_DB_TIMEOUT: '2.5',
      SECRETS_WRAP_QUOTA_BYTES: '65536',
    });
    assert.deepEqual(config.db, { client: 'pg', connectionString: 'postgres://u@db:5432/secrets', timeoutMs: 2500 });
    assert.equal(config.port, 9000);
    assert.equal(config.workers, 4);
    assert.equal(config.sweepIntervalMs, 500);
    assert.equal(config.auditRetentionMs, 12 * 3_600_000);
    assert.deepEqual(config.rateLimitSubject, { perSecond: 10, burst: 2400 });
    assert.equal(config.rateLimitAddress, 'off');
    assert.equal(config.jwtLeewaySeconds, 30);
    assert.deepEqual(config.wrapQuota, { wraps: 10, bytes: 65_536 });
  });

  const BAD: Array<[string, string]> = [
    ['SECRETS_DB', 'mysql://x'],
    ['SECRETS_DB', 'sqlite:'],
    ['SECRETS_PORT', '70000'],
    ['SECRETS_PORT', 'http'],
    ['SECRETS_WORKERS', '0'],
    ['SECRETS_JWT_SECRET', 'too-short'],
    ['SECRETS_SWEEP_INTERVAL', 'often'],
    ['SECRETS_SWEEP_INTERVAL', '0'],
    ['SECRETS_MAX_SECRET_BYTES', '-1'],
    ['SECRETS_MAX_TOKEN_TTL', '0'],
    ['SECRETS_WRAP_QUOTA_WRAPS', '0'],
    ['SECRETS_DB_TIMEOUT', '0.1'],
    ['SECRETS_DB_TIMEOUT', 'soon'],
    ['SECRETS_WRAP_QUOTA_BYTES', '1k'],
    ['SECRETS_HISTORY', '0'],
    ['SECRETS_AUDIT_RETENTION', '90 days'],
    ['SECRETS_LOG_LEVEL', 'verbose'],
    ['SECRETS_LOG_FORMAT', 'pretty'],
    ['SECRETS_JWT_LEEWAY', '61'],
    ['SECRETS_RATE_LIMIT', '50 per second'],
    ['SECRETS_RATE_LIMIT_ADDRESS', '0/s'],
    ['SECRETS_JWKS_MAX_AGE', '86401'],
    ['SECRETS_JWKS_MAX_AGE', 'five minutes'],
    ['SECRETS_SIGNER', 'vault'],
  ];
  it('stops with one line naming SECRETS_SIGNER_PKCS11_RETIRED for "shred"', () => {
    assert.throws(
      () =>
        loadConfig({
          SECRETS_SIGNER: 'pkcs11',
          SECRETS_SIGNER_PKCS11_KEY_LABEL: 'signer',
          SECRETS_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
          SECRETS_PKCS11_TOKEN_LABEL: 'secrets',
          SECRETS_PKCS11_PIN: '1234',
          SECRETS_SIGNER_PKCS11_RETIRED: 'shred',
        }),
      (error: Error) => error.message.startsWith('SECRETS_SIGNER_PKCS11_RETIRED: ') && !error.message.includes('\n'),
    );
  });
  for (const [variable, value] of BAD) {
    it(`stops with one line naming ${variable} for ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (error: Error) => error.message.startsWith(`${variable}: `) && !error.message.includes('\n'),
      );
    });
  }
});
