/**
 * What a start tells the operator about token signing: that a first start
 * made the signing key and a root token, and, once per start, that an
 * install still signs with a key kept in a file or in its environment.
 */
import type { Clock } from '../common/clock';
import type { Config } from '../config';
import type { ServiceDeps } from '../deps';
import { openKeyringForCommand } from '../keyring/open-keyring';
import { openStorageAdmin } from '../storage/open-storage';
import { mayMakeFirstKey, openSigningKeys } from '../tokens/minting-keys';
import { configuredSigningKeySource, hasConfiguredSigningKey } from '../tokens/token-keys';
import { writeRootToken } from './first-start';

const MOVE_HINT = 'move to a key kept with the keyring with scoped-secrets keys signer rotate (docs/guides/tokens.md)';

/** The one-line warning for an install that signs, or still verifies, with a key from its configuration; none otherwise. */
export function configuredKeyWarning(config: Config, signsWithSet: boolean): string | undefined {
  const source = configuredSigningKeySource(config);
  if (source === undefined) return undefined;
  const where = config.jwtPrivateKey !== undefined ? `the private key in ${source}` : `the HS256 secret in ${source}`;
  if (!signsWithSet) return `tokens are signed with ${where}: whoever reads it can mint any token; ${MOVE_HINT}`;
  return `${where} still verifies tokens: remove it once the tokens it signed have expired`;
}

export async function announceSigning(
  config: Config,
  services: Pick<ServiceDeps, 'signingKeys' | 'createdFirstSigningKey'>,
  say: (line: string) => void,
  warn: (line: string) => void,
): Promise<void> {
  const nothingConfigured = !hasConfiguredSigningKey(config) && config.jwtPublicKeysFile === undefined;
  if (services.createdFirstSigningKey) {
    const [first] = services.signingKeys.all();
    say(
      `created the ES256 signing key ${first?.kid ?? ''} (${config.signer.provider === 'keyring' ? 'kept with the keyring' : `in ${config.signer.provider}`})`,
    );
    if (nothingConfigured) await writeRootToken(config, services.signingKeys, say);
  }
  const warning = configuredKeyWarning(config, services.signingKeys.signsWithSet);
  if (warning) warn(warning);
}

/**
 * With several workers, the first key and the root token are made by the
 * primary before it forks: a worker that listened first would otherwise
 * announce a service whose root token another worker has not written yet.
 * Only a first start opens the keyring here.
 */
export async function makeFirstSigningKeyBeforeWorkers(config: Config, clock: Clock, say: (line: string) => void): Promise<void> {
  const storage = openStorageAdmin(config.db);
  try {
    if ((await storage.signingKeys.allSigningKeys()).length > 0) return;
    if (!mayMakeFirstKey(config)) return;
    const opened = await openKeyringForCommand(config);
    try {
      const { keySet, createdFirst } = await openSigningKeys({
        config,
        clock,
        store: storage.signingKeys,
        keyring: opened.keyring,
        makeFirstKey: true,
      });
      try {
        await announceSigning(config, { signingKeys: keySet, createdFirstSigningKey: createdFirst }, say, () => {});
      } finally {
        await keySet.stop();
      }
    } finally {
      await opened.close();
    }
  } finally {
    await storage.close();
  }
}
