/** Wrap tokens: `sswrap_` and 32 random bytes in base64url; the server keeps only their SHA-256. */
import { createHash, randomBytes } from 'node:crypto';

export const WRAP_TOKEN_PATTERN = /^sswrap_[A-Za-z0-9_-]{43}$/;

export function newWrapToken(): string {
  return `sswrap_${randomBytes(32).toString('base64url')}`;
}

export function wrapTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A wrap's own id, which binds its encrypted value: random, and unrelated to its token. */
export function newWrapId(): string {
  return randomBytes(16).toString('hex');
}
