/**
 * Continuation tokens for listings: opaque, HMAC-signed with a key every
 * replica reads from the database, and bound to the query they were issued
 * for (a listing's prefix, an audit query's filters).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidContinuationToken } from '../errors';

interface Position {
  /** The query the token belongs to. */
  p: string;
  /** Where the next page starts after. */
  a: string;
}

export class ContinuationTokens {
  constructor(private readonly hmacKey: Buffer) {}

  issue(binding: string, after: string): string {
    const payload = Buffer.from(JSON.stringify({ p: binding, a: after } satisfies Position)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** Where to continue after; InvalidContinuationToken when forged, corrupt or issued for another query. */
  resume(token: string, binding: string): string {
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
    if (position.p !== binding || typeof position.a !== 'string') throw new InvalidContinuationToken();
    return position.a;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.hmacKey).update(payload).digest('base64url');
  }
}
