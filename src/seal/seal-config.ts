/**
 * SECRETS_SEAL and the settings of each seal, read from the environment.
 * The PIN itself is read only when the seal opens, and never printed.
 */
import { ConfigError } from '../config-error';
import type { Pkcs11Token } from './pkcs11-session';
import { SEAL_PROVIDERS, type SealProvider } from './seal';

export interface Pkcs11Settings extends Pkcs11Token {
  readonly provider: 'pkcs11';
  readonly keyLabel: string;
}

export interface AwsKmsSettings {
  readonly provider: 'awskms';
  /** A key id, an ARN or alias/<name>; region, endpoint and credentials come from the AWS SDK's chain. */
  readonly keyId: string;
}

export type SealSettings = Pkcs11Settings | AwsKmsSettings;

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string, what: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(name, `must be set for ${what}`);
  return value;
}

/** The PKCS#11 token the seal and the token signer use: its module, its label and the user PIN. */
export function loadPkcs11Token(env: Env, what: string): Pkcs11Token {
  const pin = env.SECRETS_PKCS11_PIN;
  const pinFile = env.SECRETS_PKCS11_PIN_FILE;
  if (pin && pinFile) throw new ConfigError('SECRETS_PKCS11_PIN', 'set it or SECRETS_PKCS11_PIN_FILE, not both');
  if (!pin && !pinFile) throw new ConfigError('SECRETS_PKCS11_PIN_FILE', `or SECRETS_PKCS11_PIN must be set for ${what}`);
  return {
    module: required(env, 'SECRETS_PKCS11_MODULE', what),
    tokenLabel: required(env, 'SECRETS_PKCS11_TOKEN_LABEL', what),
    pin: pin ? { value: pin } : { file: pinFile as string },
  };
}

/** The settings of one seal provider, whatever SECRETS_SEAL says (keys seal --to names its own). */
export function loadSealSettings(env: Env, provider: SealProvider): SealSettings {
  const what = `the ${provider} seal`;
  if (provider === 'awskms') return { provider, keyId: required(env, 'SECRETS_AWSKMS_KEY_ID', what) };
  return { provider, ...loadPkcs11Token(env, what), keyLabel: required(env, 'SECRETS_PKCS11_KEY_LABEL', what) };
}

/** SECRETS_SEAL: `none` (the default) or a provider, with its settings. */
export function loadSeal(env: Env): SealSettings | undefined {
  const name = env.SECRETS_SEAL === undefined || env.SECRETS_SEAL === '' ? 'none' : env.SECRETS_SEAL;
  if (name === 'none') return undefined;
  if (!(SEAL_PROVIDERS as readonly string[]).includes(name))
    throw new ConfigError('SECRETS_SEAL', `must be none, ${SEAL_PROVIDERS.join(' or ')}`);
  return loadSealSettings(env, name as SealProvider);
}
