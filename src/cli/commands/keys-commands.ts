/** keys status, keys rotate and keys retire: the envelope keyring, run next to the database. */
import type { Command } from 'commander';
import { systemClock } from '../../common/clock';
import type { KeyRotationStorage, RotationProgress } from '../../keyring/key-rotation';
import type { Config } from '../../config';

import { CliError, EXIT_USAGE } from '../exit';
import { plural, printJson, withExamples } from '../output';
import { registerSealCommands } from './seal-commands';
import { registerSignerCommands } from './signer-commands';
import { SERVER_HOST_NOTE, withInstallation } from '../server-host';

async function withKeyRotationStorage<T>(work: (store: KeyRotationStorage, config: Config) => Promise<T>): Promise<T> {
  return withInstallation({ keyring: true }, (storage, config) => work(storage.keyRotation, config));
}

/** A bar redrawn in place on a terminal; a plain line per batch otherwise. */
function progressPrinter(): (progress: RotationProgress) => void {
  const tty = process.stderr.isTTY;
  return ({ targetKeyId, resumed, done, total }) => {
    if (done === 0) {
      process.stderr.write(
        `${resumed ? 'resuming the rotation to' : 'rotating to the new active key'} ${targetKeyId}: ${plural(total, 'data key')} to re-wrap\n`,
      );
      return;
    }
    if (tty) {
      const width = 30;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}${done >= total ? '\n' : ''}`);
    } else {
      process.stderr.write(`re-wrapped ${done}/${total}\n`);
    }
  };
}

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description(`the envelope keyring (SECRETS_KEYRING_FILE) and the data keys it wraps; ${SERVER_HOST_NOTE}`);

  withExamples(
    keys.command('status').description('show the keys and how many secret versions each one wraps').option('--json', 'print JSON'),
    'scoped-secrets keys status',
    'scoped-secrets keys status --json',
  ).action((options: { json?: boolean }) =>
    withKeyRotationStorage(async (store, config) => {
      const { keyringStatus } = await import('../keyring-status.js');
      const status = await keyringStatus(config, await store.countByKeyId());
      if (options.json) return printJson(status);
      for (const row of status.keys) {
        const note = row.active ? '\tactive' : row.inKeyring ? '' : '\tmissing from the keyring';
        process.stdout.write(`${row.id}\t${plural(row.versions, 'secret version')}${note}\n`);
      }
      process.stdout.write(`${status.seal.summary}\n`);
    }),
  );

  withExamples(
    keys
      .command('rotate')
      .description('add a new active key and re-wrap every data key under it (values are not re-encrypted); run again to resume')
      .option('--batch-size <n>', 'data keys re-wrapped per transaction', '500')
      .option('--json', 'print the result as JSON (progress still goes to stderr)'),
    'scoped-secrets keys rotate',
    'scoped-secrets keys rotate --batch-size 100',
  ).action((options: { batchSize: string; json?: boolean }) => {
    if (!/^[1-9]\d{0,4}$/.test(options.batchSize)) throw new CliError('--batch-size must be from 1 to 99999', EXIT_USAGE);
    return withKeyRotationStorage(async (store, config) => {
      const { rotateKeys } = await import('../../keyring/key-rotation.js');
      const { withSeal } = await import('../../keyring/open-keyring.js');
      const result = await withSeal(config, (seal) =>
        rotateKeys({
          keyringFile: config.keyringFile,
          seal,
          store,
          clock: systemClock,
          batchSize: Number(options.batchSize),
          onProgress: progressPrinter(),
        }),
      );
      if (options.json) printJson({ activeKeyId: result.targetKeyId, rewrapped: result.done });
      else process.stdout.write(`rotated to ${result.targetKeyId}: re-wrapped ${plural(result.done, 'data key')}\n`);
    });
  });

  withExamples(
    keys
      .command('retire')
      .description('remove a key from the keyring; refused while any secret version (history included) uses it')
      .argument('<id>', 'the key id, as keys status shows it'),
    'scoped-secrets keys status    # find the id of the key no version uses any more',
    'scoped-secrets keys retire k-20261101-3f9a',
  ).action((id: string) =>
    withKeyRotationStorage(async (store, config) => {
      const inUse = (await store.countByKeyId()).get(id) ?? 0;
      if (inUse > 0) {
        throw new CliError(`refusing to retire ${id}: it still wraps ${plural(inUse, 'secret version')}; run keys rotate first`);
      }
      const signing = (await store.wrappedSigningKeys()).filter(({ encrypted }) => encrypted.keyId === id).length;
      if (signing > 0) {
        throw new CliError(`refusing to retire ${id}: it still wraps ${plural(signing, 'token signing key')}; run keys rotate first`);
      }
      const { removeKey } = await import('../../keyring/keyring-changes.js');
      await removeKey(config.keyringFile, id);
      process.stdout.write(`retired ${id}\n`);
    }),
  );

  registerSealCommands(keys);
  registerSignerCommands(keys);
}
