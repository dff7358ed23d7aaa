/** keys seal, keys unseal and keys reseal: putting the keyring's keys under an HSM or KMS key, or taking them out. */
import type { Command } from 'commander';
import type { SealReport } from '../../keyring/keyring-changes';
import { SEAL_PROVIDERS, type SealProvider } from '../../seal/seal';
import { CliError, EXIT_USAGE } from '../exit';
import { plural, printJson, withExamples } from '../output';
import { withInstallation } from '../server-host';

function printReport(report: SealReport, json: boolean | undefined, done: string): void {
  if (json) return printJson(report);
  process.stdout.write(`${done} ${plural(report.entries, 'entry', 'entries')} under ${report.sealKey}\n`);
  if (report.staleSealKeys.length > 0) {
    process.stdout.write(
      `these seal keys no longer seal anything in this keyring; schedule them for deletion once no backup needs them:\n`,
    );
    for (const key of report.staleSealKeys) process.stdout.write(`  ${key}\n`);
  }
}

export function registerSealCommands(keys: Command): void {
  withExamples(
    keys
      .command('seal')
      .description(
        "encrypt the keyring's keys under an HSM key (PKCS#11) or an AWS KMS key, so that the keyring file holds no key material; then run serve with SECRETS_SEAL set to the same",
      )
      .requiredOption('--to <seal>', `${SEAL_PROVIDERS.join(' or ')}, configured by its SECRETS_PKCS11_* or SECRETS_AWSKMS_KEY_ID settings`)
      .option('--create-key', 'pkcs11 only: create the non-extractable AES key SECRETS_PKCS11_KEY_LABEL names when the token has none')
      .option('--json', 'print the result as JSON'),
    'SECRETS_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so SECRETS_PKCS11_TOKEN_LABEL=secrets \\\n    SECRETS_PKCS11_PIN_FILE=/etc/scoped-secrets/pin SECRETS_PKCS11_KEY_LABEL=keyring-seal \\\n    scoped-secrets keys seal --to pkcs11 --create-key',
    'AWS_REGION=eu-west-1 SECRETS_AWSKMS_KEY_ID=alias/scoped-secrets scoped-secrets keys seal --to awskms',
  ).action(async (options: { to: string; createKey?: boolean; json?: boolean }) => {
    if (!(SEAL_PROVIDERS as readonly string[]).includes(options.to))
      throw new CliError(`--to must be ${SEAL_PROVIDERS.join(' or ')}`, EXIT_USAGE);
    if (options.createKey && options.to !== 'pkcs11')
      throw new CliError("--create-key is for --to pkcs11: create KMS keys with AWS's own tools", EXIT_USAGE);
    const { loadSealSettings } = await import('../../seal/seal-config.js');
    const { sealKeyring } = await import('../../keyring/keyring-changes.js');
    const { withSealOf } = await import('../../keyring/open-keyring.js');
    const settings = loadSealSettings(process.env, options.to as SealProvider);
    await withInstallation({ keyring: true }, async (_storage, config) => {
      const report = await withSealOf(settings, (seal) => sealKeyring(config.keyringFile, seal), { createKey: options.createKey });
      printReport(report, options.json, 'sealed');
      if (!options.json)
        process.stderr.write(
          `scoped-secrets: now set SECRETS_SEAL=${options.to} (with the same settings) for serve and the keys commands, and restart serve\n`,
        );
    });
  });

  withExamples(
    keys
      .command('unseal')
      .description(
        "write the keyring's keys back in plaintext into the keyring file, unsealed by the seal SECRETS_SEAL configures; then run serve with SECRETS_SEAL=none",
      )
      .option('--yes', 'confirm: the keyring file will hold every key-encryption key in plaintext')
      .option('--json', 'print the result as JSON'),
    'scoped-secrets keys unseal --yes',
  ).action(async (options: { yes?: boolean; json?: boolean }) => {
    if (!options.yes)
      throw new CliError('keys unseal writes every key in plaintext into the keyring file: run it again with --yes to do so', EXIT_USAGE);
    const { unsealKeyring } = await import('../../keyring/keyring-changes.js');
    const { withSealOf } = await import('../../keyring/open-keyring.js');
    await withInstallation({ keyring: true }, async (_storage, config) => {
      if (!config.seal) throw new CliError('set SECRETS_SEAL (and its settings) to the seal that sealed the keyring', EXIT_USAGE);
      const result = await withSealOf(config.seal, (seal) => unsealKeyring(config.keyringFile, seal));
      if (options.json) return printJson(result);
      process.stdout.write(
        `unsealed ${plural(result.entries, 'entry', 'entries')}: ${config.keyringFile} holds its keys in plaintext again\n`,
      );
      process.stderr.write('scoped-secrets: now run serve with SECRETS_SEAL=none\n');
    });
  });

  withExamples(
    keys
      .command('reseal')
      .description(
        "seal every key again under the seal's current key (after a KMS alias moved, or a new HSM key label), and list the seal keys left sealing nothing",
      )
      .option('--json', 'print the result as JSON'),
    'scoped-secrets keys reseal',
  ).action(async (options: { json?: boolean }) => {
    const { resealKeyring } = await import('../../keyring/keyring-changes.js');
    const { withSealOf } = await import('../../keyring/open-keyring.js');
    await withInstallation({ keyring: true }, async (_storage, config) => {
      if (!config.seal) throw new CliError('set SECRETS_SEAL (and its settings) to the seal to reseal with', EXIT_USAGE);
      const report = await withSealOf(config.seal, (seal) => resealKeyring(config.keyringFile, seal));
      printReport(report, options.json, 'resealed');
    });
  });
}
