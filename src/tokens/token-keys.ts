/**
 * The token keys the configuration names, parsed and checked before any
 * database is opened: a bad key stops start-up with one line naming its
 * variable.
 */
import fs from 'node:fs';
import type { Clock } from '../common/clock';
import { ConfigError, type Config } from '../config';
import {
  hmacKey,
  KeyFileError,
  parsePrivateKey,
  parsePublicKeys,
  publicHalfAmong,
  type SigningKey,
  type VerificationKey,
} from './signing-keys';
import { TokenSigner } from './token-signer';

/** Verification keys from the configuration: the HS256 secret, and public keys from a file. There may be none. */
export function verificationKeys(config: Config): VerificationKey[] {
  const keys: VerificationKey[] = [];
  if (config.jwtSecret !== undefined) keys.push(hmacKey(config.jwtSecret));
  if (config.jwtPublicKeysFile !== undefined) {
    try {
      keys.push(...parsePublicKeys(fs.readFileSync(config.jwtPublicKeysFile, 'utf8')));
    } catch (error) {
      const reason = error instanceof KeyFileError ? error.message : (error as Error).message;
      throw new ConfigError('SECRETS_JWT_PUBLIC_KEYS', `cannot use ${config.jwtPublicKeysFile}: ${reason}`);
    }
  }
  return keys;
}

/**
 * The key that signs tokens: SECRETS_JWT_PRIVATE_KEY (PEM text or a file)
 * when set, else the HS256 secret. `published` are the verification keys,
 * when the caller has read them already.
 */
export function signingKey(config: Config, published?: readonly VerificationKey[]): SigningKey {
  if (config.jwtPrivateKey !== undefined) {
    const pem = config.jwtPrivateKey.includes('-----BEGIN') ? config.jwtPrivateKey : readKeyFile(config.jwtPrivateKey);
    let key: SigningKey;
    try {
      key = parsePrivateKey(pem);
    } catch (error) {
      throw new ConfigError('SECRETS_JWT_PRIVATE_KEY', (error as Error).message);
    }
    // A JWKS may name the public half with a kid of its own: tokens carry that one.
    const keys = published ?? (config.jwtPublicKeysFile === undefined ? [] : verificationKeys(config));
    const publicHalf = publicHalfAmong(key, keys);
    return publicHalf?.kid === undefined ? key : { ...key, kid: publicHalf.kid };
  }
  if (config.jwtSecret !== undefined) return hmacKey(config.jwtSecret);
  throw new ConfigError('SECRETS_JWT_PRIVATE_KEY', 'set it, or SECRETS_JWT_SECRET, to sign tokens');
}

function readKeyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('SECRETS_JWT_PRIVATE_KEY', `cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
}

export function createSigner(config: Config, clock: Clock, key: SigningKey = signingKey(config)): TokenSigner {
  return new TokenSigner(key, clock, { issuer: config.jwtIssuer, audience: config.jwtAudience });
}

/** The signer for derived tokens; its public half must be among the verification keys. */
export function derivationSigner(config: Config, clock: Clock, keys: readonly VerificationKey[]): TokenSigner | undefined {
  if (config.jwtPrivateKey === undefined && config.jwtSecret === undefined) return undefined;
  const key = signingKey(config, keys);
  if (config.jwtPrivateKey !== undefined && publicHalfAmong(key, keys) === undefined) {
    throw new ConfigError('SECRETS_JWT_PRIVATE_KEY', 'its public half is not among SECRETS_JWT_PUBLIC_KEYS');
  }
  return createSigner(config, clock, key);
}

/** True when the configuration holds a key that signs (a PEM private key, or the HS256 secret): an install from before signing keys were kept with the keyring. */
export function hasConfiguredSigningKey(config: Config): boolean {
  return config.jwtPrivateKey !== undefined || config.jwtSecret !== undefined;
}

/** Where the configured signing key comes from, as an operator names it; undefined without one. */
export function configuredSigningKeySource(config: Config): string | undefined {
  if (config.jwtPrivateKey !== undefined) return 'SECRETS_JWT_PRIVATE_KEY';
  if (config.jwtSecret !== undefined) return config.jwtSecretFile ?? 'SECRETS_JWT_SECRET';
  return undefined;
}
