/**
 * keys signer create, rotate and status: the keys that sign tokens. create
 * makes the first key inside the HSM or AWS KMS that SECRETS_SIGNER names;
 * rotate makes the next one wherever the signer keeps keys; status shows
 * every key and what it may still verify.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { CliError, EXIT_USAGE } from '../exit';
import { printJson, withExamples } from '../output';
import { SERVER_HOST_NOTE } from '../server-host';

export function registerSignerCommands(keys: Command): void {
  const signer = keys
    .command('signer')
    .description(`the keys that sign tokens, kept with the keyring, in an HSM or in AWS KMS (SECRETS_SIGNER); ${SERVER_HOST_NOTE}`);

  withExamples(
    signer
      .command('create')
      .description(
        'make the signing key where SECRETS_SIGNER says: an EC P-256 key pair on the PKCS#11 token, non-extractable, labelled SECRETS_SIGNER_PKCS11_KEY_LABEL; or an ECC_NIST_P256 SIGN_VERIFY key in AWS KMS under the alias SECRETS_SIGNER_AWSKMS_KEY_ID',
      ),
    'SECRETS_SIGNER=pkcs11 SECRETS_SIGNER_PKCS11_KEY_LABEL=token-signer SECRETS_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so \\\n    SECRETS_PKCS11_TOKEN_LABEL=secrets SECRETS_PKCS11_PIN_FILE=/etc/scoped-secrets/pin scoped-secrets keys signer create',
    'SECRETS_SIGNER=awskms SECRETS_SIGNER_AWSKMS_KEY_ID=alias/prod/scoped-secrets-signer scoped-secrets keys signer create',
  ).action(async () => {
    const { signer: settings } = loadConfig(process.env);
    if (settings.provider === 'keyring') {
      throw new CliError('set SECRETS_SIGNER to pkcs11 or awskms, with the key it names: the keyring signer needs no key made', EXIT_USAGE);
    }
    if (settings.provider === 'pkcs11') {
      const { createPkcs11SigningKey } = await import('../../tokens/pkcs11-token-signer.js');
      createPkcs11SigningKey(settings);
      process.stdout.write(`created the EC P-256 signing key ${settings.keyLabel} on token ${settings.tokenLabel}\n`);
      return;
    }
    const { createAwsKmsSigningKey } = await import('../../tokens/awskms-token-signer.js');
    const arn = await createAwsKmsSigningKey(settings.keyId);
    process.stdout.write(`created the KMS signing key ${arn} as ${settings.keyId}\n`);
  });

  withExamples(
    signer
      .command('rotate')
      .description(
        'make the next signing key and publish it in the JWKS at once; it signs once SECRETS_JWKS_MAX_AGE has passed (or at once with --now), and the key it replaces verifies until its last token expires, then is retired',
      )
      .option('--now', 'sign with the new key at once: verifiers that cached the JWKS refuse its tokens until they fetch it again')
      .option('--json', 'print JSON'),
    'scoped-secrets keys signer rotate',
    'scoped-secrets keys signer rotate --now    # sign with the new key at once',
  ).action(async (options: { now?: boolean; json?: boolean }) => {
    const { withSigningKeys } = await import('../signing-key-access.js');
    const { rotateSigningKey } = await import('../../tokens/signing-key-rotation.js');
    const { systemClock } = await import('../../common/clock.js');
    await withSigningKeys(async (access) => {
      const rotated = await rotateSigningKey({ ...access, clock: systemClock, now: options.now === true });
      if (options.json) return printJson(rotated);
      const at = (ms: number) => new Date(ms).toISOString();
      process.stdout.write(
        `created the signing key ${rotated.kid} (${rotated.provider}); published now, signs from ${at(rotated.signFrom)}\n`,
      );
      for (const old of rotated.superseded) {
        process.stdout.write(`${old.kid} signs until ${at(rotated.signFrom)} and verifies until ${at(old.verifyUntil)}, then is retired\n`);
      }
    });
  });

  withExamples(
    signer
      .command('status')
      .description(
        'show each signing key, its state, until when it verifies tokens, and how many unexpired tokens the service minted with it',
      )
      .option('--json', 'print JSON'),
    'scoped-secrets keys signer status',
  ).action(async (options: { json?: boolean }) => {
    const { withSigningKeys } = await import('../signing-key-access.js');
    const { signingKeyStatus, printSigningKeyStatus } = await import('../signing-key-status.js');
    await withSigningKeys(async ({ keySet, config, store }) => {
      const now = Date.now();
      const status = signingKeyStatus(keySet.all(), await store.liveTokensByKid(now), config, now);
      if (options.json) printJson(status);
      else printSigningKeyStatus(status);
    });
  });
}
