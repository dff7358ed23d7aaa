/** What a lease keeps for its revocation (the credential's user name), sealed under the keyring and bound to the lease's id. */
import type { EncryptedValue, Envelope } from '../crypto/envelope';

interface RevocationData {
  readonly username: string;
}

export function sealRevocationData(envelope: Envelope, leaseId: string, username: string): Promise<EncryptedValue> {
  const data: RevocationData = { username };
  return envelope.encrypt(Buffer.from(JSON.stringify(data), 'utf8'), { leaseId });
}

/** The user name a lease's credential was made with. */
export async function leaseUsername(
  envelope: Envelope,
  lease: { readonly id: string; readonly encrypted: EncryptedValue },
): Promise<string> {
  const plaintext = await envelope.decrypt(lease.encrypted, { leaseId: lease.id });
  return (JSON.parse(plaintext.toString('utf8')) as RevocationData).username;
}
