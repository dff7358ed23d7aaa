/**
 * Listing continuation tokens: opaque, HMAC-signed with a key every replica
 * reads from the database, and bound to the prefix they were issued for.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidContinuationToken } from '../errors';

interface Position {
  /** The prefix of the listing. */
  p: string;
  /** The last key the page looked at. */
  a: string;
}

export class ContinuationTokens {
  constructor(private readonly hmacKey: Buffer) {}

  issue(prefix: string, afterKey: string): string {
    const payload = Buffer.from(JSON.stringify({ p: prefix, a: afterKey } satisfies Position)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The key to continue after; InvalidContinuationToken when forged, corrupt or re-targeted. */
  resume(token: string, prefix: string): string {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) throw new InvalidContinuationToken();
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidContinuationToken();
    let position: Partial<Position>;
    try {
      position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Position>;
    } catch {
      throw new InvalidContinuationToken();
    }
    if (position.p !== prefix || typeof position.a !== 'string') throw new InvalidContinuationToken();
    return position.a;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.hmacKey).update(payload).digest('base64url');
  }
}
