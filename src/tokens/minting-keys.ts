/**
 * The keys serving uses, with SECRETS_SIGNER applied: the configured keys
 * verify tokens (token-keys.ts), and derived and exchanged tokens are
 * signed by the configured key, or by a key in an HSM or AWS KMS whose
 * public half then verifies them too and is published with the others.
 */
import type { Clock } from '../common/clock';
import type { Config } from '../config';
import { AwsKmsTokenSigner } from './awskms-token-signer';
import { Pkcs11TokenSigner } from './pkcs11-token-signer';
import type { VerificationKey } from './signing-keys';
import { tokenKeys } from './token-keys';
import type { TokenMinter } from './token-signer';

export interface MintingKeys {
  readonly verification: readonly VerificationKey[];
  /** Absent when only public keys are configured and no HSM or KMS signs: then nothing can be minted. */
  readonly derivationSigner?: TokenMinter;
  /** Releases the HSM session, when there is one. */
  readonly close?: () => void;
}

export async function mintingKeys(config: Config, clock: Clock): Promise<MintingKeys> {
  const keys = tokenKeys(config, clock);
  const claims = { issuer: config.jwtIssuer, audience: config.jwtAudience };
  const { signer: settings } = config;
  if (settings.provider === 'keyring') return keys;
  if (settings.provider === 'awskms') {
    const signer = await AwsKmsTokenSigner.open(settings.keyId, clock, claims);
    return { verification: [...keys.verification, signer.verification], derivationSigner: signer };
  }
  const signer = Pkcs11TokenSigner.open(settings, clock, claims);
  return { verification: [...keys.verification, signer.verification], derivationSigner: signer, close: () => signer.close() };
}
