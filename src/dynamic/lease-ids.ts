/** A lease's id: random and unguessable (144 bits), so that knowing one is no proof of anything but never helps an attacker find another. */
import { randomBytes } from 'node:crypto';

const LEASE_ID = /^lease_[A-Za-z0-9_-]{24}$/;

export function newLeaseId(): string {
  return `lease_${randomBytes(18).toString('base64url')}`;
}

export function isLeaseId(text: string): boolean {
  return LEASE_ID.test(text);
}
