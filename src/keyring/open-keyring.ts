/**
 * Opening the keyring in serve and in the commands run beside it. Sealed,
 * the seal is asked with retries: serve waits for as long as its HSM or
 * KMS takes (with /readyz red meanwhile), a command gives up after a few
 * attempts. A failure that retrying cannot mend (a wrong PIN, a missing
 * key) ends at once; nothing ever falls back to plaintext.
 */
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { SealSettings } from '../seal/seal-config';
import { KeyringError, LocalKeyring, type KeyringOptions } from './local-keyring';
import { openSeal } from '../seal/open-seal';
import { SealError, type Seal } from '../seal/seal';
import {
  COMMAND_RETRIES,
  describeAttempt,
  SERVE_RETRIES,
  withSealRetries,
  type FailedAttempt,
  type RetryPolicy,
} from '../seal/seal-retries';

export interface OpenedKeyring {
  readonly keyring: LocalKeyring;
  /** Closes the keyring and the seal it keeps for the keyring's later changes. */
  close(): Promise<void>;
}

type OnFailedAttempt = (failed: FailedAttempt) => void | Promise<void>;

// Commands seal as well as unseal (keys seal, rotate, reseal): the line names the seal, not one direction.
const commandAttempt: OnFailedAttempt = (failed) =>
  void process.stderr.write(`scoped-secrets: ${describeAttempt(failed, 'use the seal')}\n`);

/** Runs a command's `work` with the configured seal (none when SECRETS_SEAL is none), retrying transient failures, then closes the seal. */
export async function withSeal<T>(
  config: Pick<Config, 'seal'>,
  work: (seal: Seal | undefined) => Promise<T>,
  options: { createKey?: boolean } = {},
): Promise<T> {
  const seal = config.seal ? await openSeal(config.seal, options) : undefined;
  try {
    return await withSealRetries(() => work(seal), COMMAND_RETRIES, commandAttempt);
  } catch (error) {
    if (error instanceof SealError) throw new KeyringError(`the seal failed: ${error.message}`);
    throw error;
  } finally {
    await seal?.close();
  }
}

/** Runs `work` with the seal `settings` describe, whatever SECRETS_SEAL says. */
export function withSealOf<T>(settings: SealSettings, work: (seal: Seal) => Promise<T>, options: { createKey?: boolean } = {}): Promise<T> {
  return withSeal({ seal: settings }, (seal) => work(seal as Seal), options);
}

async function openKeyring(
  config: Config,
  policy: RetryPolicy,
  onFailedAttempt: OnFailedAttempt,
  options: KeyringOptions,
): Promise<OpenedKeyring> {
  const seal = config.seal ? await openSeal(config.seal) : undefined;
  try {
    const keyring = await withSealRetries(() => LocalKeyring.open(config.keyringFile, seal, options), policy, onFailedAttempt);
    return {
      keyring,
      close: async () => {
        keyring.close();
        await seal?.close();
      },
    };
  } catch (error) {
    await seal?.close();
    if (error instanceof SealError) throw new KeyringError(`cannot unseal the keyring: ${error.message}`);
    throw error;
  }
}

/** The keyring for a command run beside serve. */
export function openKeyringForCommand(config: Config): Promise<OpenedKeyring> {
  return openKeyring(config, COMMAND_RETRIES, commandAttempt, {});
}

/**
 * The keyring serve runs with. `whileSealed` is called once, when the
 * first attempt fails for a reason that may pass: serve then listens,
 * answering 503, until the keyring opens.
 */
export function openKeyringForServe(config: Config, logger: Logger, whileSealed: () => Promise<void>): Promise<OpenedKeyring> {
  let waiting = false;
  return openKeyring(
    config,
    SERVE_RETRIES,
    async (failed) => {
      const { error, attempt, retryInMs } = failed;
      logger.warn({ provider: error.provider, sealKey: error.sealKey, attempt, retryInMs, reason: error.reason }, describeAttempt(failed));
      if (!waiting) {
        waiting = true;
        await whileSealed();
      }
    },
    {
      onReloadFailure: (error, retryInMs) =>
        logger.error(
          { retryInMs },
          `could not open the changed keyring (${(error as Error).message}); keeping the keys already open, retrying in ${(retryInMs / 1000).toFixed(1)} s`,
        ),
    },
  );
}
