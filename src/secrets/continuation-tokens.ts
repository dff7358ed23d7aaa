/**
 * Continuation tokens for listings: encrypted and authenticated
 * (AES-256-GCM) under a key every replica derives from the one in the
 * database, bound to the query they were issued for (a listing's prefix,
 * an audit query's filters), and padded to one length. A listing may stop
 * after a key the caller cannot see; the token must not tell which.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { InvalidContinuationToken } from '../errors';
import { decryptAesGcm, encryptAesGcm } from '../crypto/aes-gcm';

const BINDING_BYTES = 16;
/** Room for the longest position: a key of 512 characters. */
const POSITION_BYTES = 512;

export class ContinuationTokens {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'scoped-secrets continuation tokens', 32));
  }

  issue(binding: string, after: string): string {
    const position = Buffer.from(after, 'utf8');
    if (position.length > POSITION_BYTES) throw new Error('a continuation position is at most 512 bytes');
    const plaintext = Buffer.alloc(BINDING_BYTES + 2 + POSITION_BYTES);
    bindingDigest(binding).copy(plaintext, 0);
    plaintext.writeUInt16BE(position.length, BINDING_BYTES);
    position.copy(plaintext, BINDING_BYTES + 2);
    return encryptAesGcm(this.key, plaintext, Buffer.alloc(0)).toString('base64url');
  }

  /** Where to continue after; InvalidContinuationToken when forged, corrupt or issued for another query. */
  resume(token: string, binding: string): string {
    let plaintext: Buffer;
    try {
      plaintext = decryptAesGcm(this.key, Buffer.from(token, 'base64url'), Buffer.alloc(0));
    } catch {
      throw new InvalidContinuationToken();
    }
    if (plaintext.length !== BINDING_BYTES + 2 + POSITION_BYTES) throw new InvalidContinuationToken();
    if (!plaintext.subarray(0, BINDING_BYTES).equals(bindingDigest(binding))) throw new InvalidContinuationToken();
    const length = plaintext.readUInt16BE(BINDING_BYTES);
    if (length > POSITION_BYTES) throw new InvalidContinuationToken();
    return plaintext.subarray(BINDING_BYTES + 2, BINDING_BYTES + 2 + length).toString('utf8');
  }
}

function bindingDigest(binding: string): Buffer {
  return createHash('sha256').update(binding).digest().subarray(0, BINDING_BYTES);
}
