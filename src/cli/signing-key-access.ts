/**
 * The signing keys, for the commands run on the server host (token
 * create, keys signer rotate and status): the installation serve made, its
 * keyring opened (through the seal, when sealed), and the set of signing
 * keys loaded from its database.
 */
import { systemClock } from '../common/clock';
import type { Config } from '../config';
import type { SigningKeyBackend } from '../tokens/signing-key-backend';
import type { SigningKeySet } from '../tokens/signing-key-set';
import type { SigningKeyStorage } from '../tokens/signing-key-storage';
import { withInstallation } from './server-host';

export interface SigningKeyAccess {
  readonly config: Config;
  readonly keySet: SigningKeySet;
  readonly backend: SigningKeyBackend;
  readonly store: SigningKeyStorage;
}

export function withSigningKeys<T>(work: (access: SigningKeyAccess) => Promise<T>): Promise<T> {
  return withInstallation({ keyring: true }, async (storage, loaded) => {
    const { withGeneratedSecret } = await import('../server/first-start.js');
    const { openKeyringForCommand } = await import('../keyring/open-keyring.js');
    const { openSigningKeys } = await import('../tokens/minting-keys.js');
    const config = withGeneratedSecret(loaded);
    const opened = await openKeyringForCommand(config);
    try {
      const { keySet, backend } = await openSigningKeys({
        config,
        clock: systemClock,
        store: storage.signingKeys,
        keyring: opened.keyring,
        makeFirstKey: false,
      });
      try {
        return await work({ config, keySet, backend, store: storage.signingKeys });
      } finally {
        await keySet.stop();
      }
    } finally {
      await opened.close();
    }
  });
}
