/**
 * What a start tells the operator about token signing: that a first start
 * made the signing key and a root token, and, once per start, that an
 * install still signs with a key kept in a file or in its environment.
 */
import type { Config } from '../config';
import type { ServiceDeps } from '../deps';
import { hasConfiguredSigningKey } from '../tokens/token-keys';
import { writeRootToken } from './first-start';

const MOVE_HINT = 'move to a key kept with the keyring with scoped-secrets keys signer rotate (docs/guides/tokens.md)';

/** The one-line warning for an install that signs, or still verifies, with a key from its configuration; none otherwise. */
export function configuredKeyWarning(config: Config, signsWithSet: boolean): string | undefined {
  if (!hasConfiguredSigningKey(config)) return undefined;
  const where =
    config.jwtPrivateKey !== undefined
      ? 'the private key in SECRETS_JWT_PRIVATE_KEY'
      : `the HS256 secret in ${config.jwtSecretFile ?? 'SECRETS_JWT_SECRET'}`;
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
