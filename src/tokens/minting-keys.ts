/**
 * The keys serving uses, with SECRETS_SIGNER applied: the configured keys
 * verify tokens (token-keys.ts), and derived and exchanged tokens are
 * signed by the configured key, or by a key in AWS KMS whose public half
 * then verifies them too and is published with the others.
 */
import type { Clock } from '../common/clock';
import type { Config } from '../config';
import { AwsKmsTokenSigner } from './awskms-token-signer';
import type { VerificationKey } from './signing-keys';
import { tokenKeys } from './token-keys';
import type { TokenMinter } from './token-signer';

export interface MintingKeys {
  readonly verification: readonly VerificationKey[];
  /** Absent when only public keys are configured and no HSM or KMS signs: then nothing can be minted. */
  readonly derivationSigner?: TokenMinter;
}

export async function mintingKeys(config: Config, clock: Clock): Promise<MintingKeys> {
  const keys = tokenKeys(config, clock);
  if (config.signer.provider === 'keyring') return keys;
  const signer = await AwsKmsTokenSigner.open(config.signer.keyId, clock, { issuer: config.jwtIssuer, audience: config.jwtAudience });
  return { verification: [...keys.verification, signer.verification], derivationSigner: signer };
}
