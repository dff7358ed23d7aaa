/** keys status, keys rotate and keys retire: the envelope keyring, run next to the database. */
import type { Command } from 'commander';
import { systemClock } from '../clock';
import { loadConfig } from '../config';
import type { RotationProgress } from '../crypto/key-rotation';
import { LocalKeyring, removeKey } from '../crypto/local-keyring';
import type { RewrapStore } from '../secrets/rewrap-store';
import { CliError, EXIT_USAGE } from './exit';

async function withRewrapStore<T>(work: (store: RewrapStore, keyringFile: string) => Promise<T>): Promise<T> {
  const { createStorage } = await import('../deps');
  const { RewrapStore } = await import('../secrets/rewrap-store');
  const config = loadConfig(process.env);
  const storage = createStorage(config);
  try {
    return await work(new RewrapStore(storage.knex), config.keyringFile);
  } finally {
    await storage.close();
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** A bar redrawn in place on a terminal; a plain line per batch otherwise. */
function progressPrinter(): (progress: RotationProgress) => void {
  const tty = process.stderr.isTTY;
  return ({ targetKeyId, resumed, done, total }) => {
    if (done === 0) {
      process.stderr.write(`${resumed ? 'resuming the rotation to' : 'rotating to the new active key'} ${targetKeyId}: ${plural(total, 'data key')} to re-wrap\n`);
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
  const keys = program.command('keys').description('the envelope keyring (SECRETS_KEYRING_FILE) and the data keys it wraps');

  keys
    .command('status')
    .description('show the keys and how many secret versions each one wraps')
    .action(() =>
      withRewrapStore(async (store, keyringFile) => {
        const keyring = new LocalKeyring(keyringFile);
        const counts = await store.countByKeyId();
        for (const id of keyring.keyIds) {
          process.stdout.write(`${id}\t${plural(counts.get(id) ?? 0, 'secret version')}${id === keyring.activeKeyId ? '\tactive' : ''}\n`);
        }
        for (const [id, count] of counts) {
          if (!keyring.keyIds.includes(id)) process.stdout.write(`${id}\t${plural(count, 'secret version')}\tmissing from the keyring\n`);
        }
      }),
    );

  keys
    .command('rotate')
    .description('add a new active key and re-wrap every data key under it (values are not re-encrypted); run again to resume')
    .option('--batch-size <n>', 'data keys re-wrapped per transaction', '500')
    .action((options: { batchSize: string }) => {
      if (!/^[1-9]\d{0,4}$/.test(options.batchSize)) throw new CliError('--batch-size must be from 1 to 99999', EXIT_USAGE);
      return withRewrapStore(async (store, keyringFile) => {
        const { rotateKeys } = await import('../crypto/key-rotation');
        const result = await rotateKeys({
          keyringFile,
          store,
          clock: systemClock,
          batchSize: Number(options.batchSize),
          onProgress: progressPrinter(),
        });
        process.stdout.write(`rotated to ${result.targetKeyId}: re-wrapped ${plural(result.done, 'data key')}\n`);
      });
    });

  keys
    .command('retire')
    .description('remove a key from the keyring; refused while any secret version (history included) uses it')
    .argument('<id>', 'the key id')
    .action((id: string) =>
      withRewrapStore(async (store, keyringFile) => {
        const inUse = (await store.countByKeyId()).get(id) ?? 0;
        if (inUse > 0) {
          throw new CliError(`refusing to retire ${id}: it still wraps ${plural(inUse, 'secret version')}; run keys rotate first`);
        }
        removeKey(keyringFile, id);
        process.stdout.write(`retired ${id}\n`);
      }),
    );
}
