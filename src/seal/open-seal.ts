/** The seal a setting names, its binding loaded only when that seal is used. */
import type { Seal } from './seal';
import type { SealSettings } from './seal-config';

export async function openSeal(settings: SealSettings, options: { createKey?: boolean } = {}): Promise<Seal> {
  if (settings.provider === 'pkcs11') {
    const { Pkcs11Seal } = await import('./pkcs11-seal.js');
    return new Pkcs11Seal(settings, options);
  }
  const { AwsKmsSeal } = await import('./awskms-seal.js');
  return new AwsKmsSeal(settings);
}

/** How settings name their seal key before the seal has resolved it, for log lines. */
export function configuredSealKey(settings: SealSettings): string {
  return settings.provider === 'awskms' ? settings.keyId : `labelled ${settings.keyLabel} on token ${settings.tokenLabel}`;
}
