/** keys signer create: the key pair that signs tokens, made inside the HSM or AWS KMS that SECRETS_SIGNER names. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { CliError, EXIT_USAGE } from '../exit';
import { withExamples } from '../output';

export function registerSignerCommands(keys: Command): void {
  const signer = keys
    .command('signer')
    .description('the key that signs derived and exchanged tokens in an HSM or AWS KMS (SECRETS_SIGNER=pkcs11 or awskms)');

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
}
